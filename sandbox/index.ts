import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { handleApi } from "./api.js";
import { handleConnect } from "./connect.js";
import { parseForm } from "./form.js";
import type { Answer } from "./http.js";
import {
  type AuthorizationDecision,
  EmulatorState,
  normalizePermission,
  PERMISSIONS,
  type RequestLogEntry,
  type WebhookEndpointRecord,
} from "./state.js";

// A local stand-in for Stripe, for tests on a machine that cannot reach it. One HTTP server on
// 127.0.0.1 plays both of Stripe's hosts, told apart by path: /oauth/… (and /express/oauth/…)
// is connect.stripe.com, everything else is api.stripe.com. That is also what lets stripe-node
// reach both: given a `host` other than api.stripe.com, it sends oauth.token() and
// oauth.deauthorize() to that same host, port and protocol.

export { PERMISSIONS } from "./state.js";
export type { AuthorizationDecision, Permission, RequestLogEntry } from "./state.js";

export type StripeSandboxOptions = {
  /** Redirect URIs the platform registered for OAuth; others are refused. Default: any http(s) URL. */
  redirectUris?: string[];
  /** Whether the platform (its key, client id and OAuth tokens) is in live mode. Default false. */
  livemode?: boolean;
};

export type CreateAccountOptions = {
  /** Live-mode keys (sk_live_/rk_live_) and objects. Default false. */
  livemode?: boolean;
  /** What the account's restricted key may do (see PERMISSIONS; `rak_` prefix optional). Default: all of them. */
  restrictedKeyPermissions?: string[];
  email?: string;
  /** settings.dashboard.display_name */
  displayName?: string;
};

export type CreatedAccount = {
  accountId: string;
  /** The account's own secret key (full access, not connected through the platform). */
  secretKey: string;
  restrictedKey: string;
};

/** A webhook endpoint as the emulator holds it, secret and `connect` included. */
export type EmulatedWebhookEndpoint = {
  id: string;
  account: string;
  url: string;
  enabledEvents: string[];
  connect: boolean;
  status: "enabled" | "disabled";
  secret: string;
  apiVersion: string | null;
  description: string | null;
  metadata: Record<string, string>;
  livemode: boolean;
  created: number;
};

export type RecordedCheckoutSession = {
  id: string;
  /** The account the session was created on (Stripe-Account header or the key's account). */
  account: string;
  /** The create params as parsed from the form body (nested objects, arrays, string values). */
  params: Record<string, unknown>;
  /** What the emulator answered. */
  session: Record<string, unknown>;
};

export type StripeSandbox = {
  /** http://127.0.0.1:PORT — STRIPE_API_URL and STRIPE_CONNECT_URL both point here. */
  url: string;
  port: number;
  host: string;
  /** Spread into stripe-node's config: `new Stripe(key, { ...emulator.stripeConfig })`. */
  stripeConfig: { host: string; port: number; protocol: "http" };
  platformAccountId: string;
  /** The platform's secret key (sk_test_…), also its OAuth client secret. */
  platformKey: string;
  /** The platform's OAuth client id (ca_…). */
  clientId: string;
  createAccount(options?: CreateAccountOptions): CreatedAccount;
  /** Another restricted key for an existing account, with the given permissions. */
  createRestrictedKey(accountId: string, permissions: string[]): string;
  /** The merchant rolls or deletes a key in their dashboard: it answers 401 api_key_expired from now on. */
  revokeKey(key: string): void;
  /** What the next GET /oauth/authorize does: approve for this account id, or redirect with this error. */
  queueAuthorization(decision: AuthorizationDecision): void;
  /** Whether the account has a live OAuth connection to the platform. */
  isConnected(accountId: string): boolean;
  /** The merchant disconnects the platform in their dashboard (same effect as /oauth/deauthorize). */
  deauthorizeAccount(accountId: string): void;
  /** Live endpoints of one account; the platform's when no account is given. */
  webhookEndpoints(accountId?: string): EmulatedWebhookEndpoint[];
  /** The merchant deletes the endpoint in their dashboard. */
  deleteEndpoint(id: string): void;
  /** Stripe (or the merchant) disables the endpoint: status becomes "disabled". */
  disableEndpoint(id: string): void;
  /** Every request either host received, oldest first (live array). */
  readonly requests: RequestLogEntry[];
  /** Every checkout session created, oldest first. */
  readonly checkoutSessions: RecordedCheckoutSession[];
  close(): Promise<void>;
};

const isConnectPath = (path: string) => /^(\/express)?\/oauth\//.test(path);

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function write(res: ServerResponse, answer: Answer): void {
  const headers: Record<string, string> = { ...answer.headers };
  if (answer.body !== undefined) headers["Content-Type"] = "application/json";
  res.writeHead(answer.status, headers);
  res.end(answer.body === undefined ? undefined : JSON.stringify(answer.body));
}

function endpointView(e: WebhookEndpointRecord): EmulatedWebhookEndpoint {
  return {
    id: e.id,
    account: e.accountId,
    url: e.url,
    enabledEvents: [...e.enabledEvents],
    connect: e.connect,
    status: e.status,
    secret: e.secret,
    apiVersion: e.apiVersion,
    description: e.description,
    metadata: { ...e.metadata },
    livemode: e.livemode,
    created: e.created,
  };
}

export async function startStripeSandbox(options: StripeSandboxOptions = {}): Promise<StripeSandbox> {
  const state = new EmulatorState(options.livemode ?? false);
  const connectOptions = { redirectUris: options.redirectUris ?? [] };

  const server = createServer((req, res) => {
    void (async () => {
      const parsed = new URL(req.url ?? "/", "http://127.0.0.1");
      const method = (req.method ?? "GET").toUpperCase();
      const rawBody = await readBody(req);
      const body = parseForm(rawBody);
      const query = parseForm(parsed.search.slice(1));
      const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? null;
      const entry: RequestLogEntry = {
        host: isConnectPath(parsed.pathname) ? "connect" : "api",
        method,
        path: parsed.pathname,
        query,
        account: null,
        stripeAccount: first(req.headers["stripe-account"]),
        apiVersion: first(req.headers["stripe-version"]),
        key: null,
        body,
        status: 0,
      };
      state.requests.push(entry);
      const request = { method, path: parsed.pathname, query, body, headers: req.headers, entry };
      const answer =
        entry.host === "connect" ? handleConnect(state, connectOptions, request) : handleApi(state, { ...request, rawBody });
      entry.status = answer.status;
      write(res, answer);
    })().catch((error: unknown) => {
      // A bug in the emulator shows up as Stripe's api_error, with the cause in the message.
      const message = error instanceof Error ? error.message : String(error);
      if (!res.headersSent) write(res, { status: 500, body: { error: { type: "api_error", message: `Emulator failure: ${message}` } } });
      else res.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = "127.0.0.1";

  const accountOrThrow = (accountId: string) => {
    const account = state.accounts.get(accountId);
    if (!account) throw new Error(`emulator: no account ${accountId}`);
    return account;
  };
  const endpointOrThrow = (id: string) => {
    const endpoint = state.endpoints.get(id);
    if (!endpoint) throw new Error(`emulator: no webhook endpoint ${id}`);
    return endpoint;
  };
  const restrictedKey = (accountId: string, permissions: string[]) => {
    const account = accountOrThrow(accountId);
    return state.addKey("restricted", account.id, account.livemode, new Set(permissions.map(normalizePermission)));
  };

  return {
    url: `http://${host}:${port}`,
    port,
    host,
    stripeConfig: { host, port, protocol: "http" },
    platformAccountId: state.platform.id,
    platformKey: state.platformKey,
    clientId: state.clientId,
    createAccount(opts = {}) {
      const account = state.addAccount({ livemode: opts.livemode ?? false, email: opts.email, displayName: opts.displayName });
      return {
        accountId: account.id,
        secretKey: state.addKey("secret", account.id, account.livemode, null),
        restrictedKey: restrictedKey(account.id, opts.restrictedKeyPermissions ?? [...PERMISSIONS]),
      };
    },
    createRestrictedKey: restrictedKey,
    revokeKey(key) {
      const record = state.keys.get(key);
      if (!record) throw new Error(`emulator: unknown key ${key.slice(0, 12)}…`);
      record.revoked = true;
    },
    queueAuthorization(decision) {
      if (typeof decision === "string") accountOrThrow(decision);
      state.authorizationQueue.push(decision);
    },
    isConnected: (accountId) => state.activeGrants(accountId).length > 0,
    deauthorizeAccount(accountId) {
      for (const grant of state.activeGrants(accountOrThrow(accountId).id)) state.revokeGrant(grant);
    },
    webhookEndpoints(accountId = state.platform.id) {
      return [...state.endpoints.values()].filter((e) => e.accountId === accountId).sort((a, b) => a.seq - b.seq).map(endpointView);
    },
    deleteEndpoint(id) {
      state.endpoints.delete(endpointOrThrow(id).id);
    },
    disableEndpoint(id) {
      endpointOrThrow(id).status = "disabled";
    },
    requests: state.requests,
    get checkoutSessions() {
      return state.checkoutSessions.map((s) => ({ id: s.id, account: s.accountId, params: s.params, session: s.session }));
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // stripe-node keeps connections alive; without this close() would wait for them to idle out.
        server.closeAllConnections();
      });
    },
  };
}
