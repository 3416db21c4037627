import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type Stripe from "stripe";
import { handleApi } from "./api.js";
import { handleConnect } from "./connect.js";
import { Deliverer, type DeliveryOptions } from "./deliver.js";
import { parseForm } from "./form.js";
import type { Answer } from "./http.js";
import { advanceSubscription, createPrice, createRefund, payCheckoutSession, type PayResult, TEST_CARDS } from "./payments.js";
import { emit } from "./render.js";
import { page } from "./pages.js";
import { handleSite } from "./site.js";
import {
  type AuthorizationDecision,
  type DeliveryAttempt,
  SandboxState,
  type EventRecord,
  normalizePermission,
  PERMISSIONS,
  randomId,
  type RequestLogEntry,
  type WebhookEndpointRecord,
} from "./state.js";

// The Stripe sandbox: a local stand-in for Stripe, used by the tests (this machine cannot reach
// Stripe) and by `npm run demo`; `icodrip serve` never loads it. One HTTP server plays both of
// Stripe's hosts, told apart by path: /oauth/… (and /express/oauth/…) is connect.stripe.com,
// /v1/… is api.stripe.com; everything else is the sandbox's own pages (the hosted payment page
// at /pay/…, and its dashboard at /). That is also what lets stripe-node reach both hosts:
// given a `host` other than api.stripe.com, it sends oauth.token() and oauth.deauthorize() to
// that same host, port and protocol.

export { PERMISSIONS } from "./state.js";
export { TEST_CARDS } from "./payments.js";
export { sign } from "./deliver.js";
export type { AuthorizationDecision, DeliveryAttempt, EventRecord, Permission, RequestLogEntry } from "./state.js";
export type { DeliveryOptions } from "./deliver.js";
export type { PayResult } from "./payments.js";

/** The merchant accounts every sandbox starts with, for the account chooser and the demo. */
export const DEFAULT_ACCOUNTS = [
  { displayName: "Demo Shop", email: "owner@demo-shop.test" },
  { displayName: "Second Shop", email: "owner@second-shop.test" },
] as const;

export type StripeSandboxOptions = {
  /** Redirect URIs the platform registered for OAuth; others are refused. Default: any http(s) URL. */
  redirectUris?: string[];
  /** Whether the platform (its key, client id and OAuth tokens) is in live mode. Default false. */
  livemode?: boolean;
  /** Port to listen on; default 0, a free one. */
  port?: number;
  /** Address to listen on; default 127.0.0.1. */
  host?: string;
  /** Retry timing of webhook deliveries (tests shorten it). */
  delivery?: DeliveryOptions;
  /** The merchant accounts made at start; default DEFAULT_ACCOUNTS. */
  accounts?: ReadonlyArray<{ displayName: string; email: string }>;
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

/** A webhook endpoint as the sandbox holds it, secret and `connect` included. */
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
  /** What the sandbox answered. */
  session: Record<string, unknown>;
};

export type SandboxAccount = { accountId: string; displayName: string; email: string; secretKey: string };

export type StripeSandbox = {
  /** http://127.0.0.1:PORT — STRIPE_API_URL and STRIPE_CONNECT_URL both point here; its page is here too. */
  url: string;
  port: number;
  host: string;
  /** Spread into stripe-node's config: `new Stripe(key, { ...sandbox.stripeConfig })`. */
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
  /**
   * The merchant disconnects the platform in their dashboard (same effect as /oauth/deauthorize),
   * and Stripe sends account.application.deauthorized to the platform's Connect endpoints
   * unless `sendEvent` is false (an event that never arrives).
   */
  deauthorizeAccount(accountId: string, options?: { sendEvent?: boolean }): void;
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
  /** The merchant accounts made at start (Demo Shop, Second Shop), with their secret keys. */
  readonly accounts: SandboxAccount[];
  /** A price in an account's catalogue, for `line_items[][price]`. */
  createPrice(accountId: string, price: { unitAmount: number; currency: string; productName: string; recurring?: { interval: "day" | "week" | "month" | "year"; interval_count?: number } }): Stripe.Price;
  /** What pressing Pay on the hosted page does (4242… pays, 4000 0000 0000 0002 is declined). */
  pay(sessionId: string, payment?: { cardNumber?: string; email?: string; promotionCode?: string }): PayResult;
  /** The merchant refunds a charge (or a payment intent's charge), in full or in part. */
  refund(chargeOrPaymentIntent: string, amount?: number): Stripe.Refund;
  /** The subscription moves to its next period: its next invoice is made and paid. */
  advanceSubscription(subscriptionId: string): Stripe.Invoice;
  /** A new signing secret for the endpoint, at once; the old one signs nothing more. */
  rollSecret(endpointId: string): string;
  /** Every event, oldest first (live array). */
  readonly events: EventRecord[];
  /** Every delivery attempt, oldest first (live array). */
  readonly deliveries: DeliveryAttempt[];
  /** Resolves once every delivery begun so far has succeeded or run out of retries. */
  idle(): Promise<void>;
  close(): Promise<void>;
};

const isConnectPath = (path: string) => /^(\/express)?\/oauth\//.test(path);
const isApiPath = (path: string) => path === "/v1" || path.startsWith("/v1/");

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
  if (answer.html !== undefined) {
    headers["Content-Type"] = "text/html; charset=utf-8";
    // Pages run no script and load nothing from elsewhere; forms may go anywhere (the success_url).
    headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'";
    headers["X-Content-Type-Options"] = "nosniff";
    res.writeHead(answer.status, headers);
    res.end(answer.html);
    return;
  }
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
  const state = new SandboxState(options.livemode ?? false);
  const connectOptions = { redirectUris: options.redirectUris ?? [] };
  const deliverer = new Deliverer(state, options.delivery);
  state.dispatch = (event) => deliverer.dispatch(event);
  const premade = (options.accounts ?? DEFAULT_ACCOUNTS).map((a) => state.addAccount({ livemode: state.livemode, email: a.email, displayName: a.displayName }));
  const rollSecret = (endpointId: string) => {
    const endpoint = state.endpoints.get(endpointId);
    if (!endpoint) throw new Error(`sandbox: no webhook endpoint ${endpointId}`);
    endpoint.secret = `whsec_${randomId(32)}`;
    return endpoint.secret;
  };

  const server = createServer((req, res) => {
    void (async () => {
      const parsed = new URL(req.url ?? "/", "http://127.0.0.1");
      const method = (req.method ?? "GET").toUpperCase();
      const rawBody = await readBody(req);
      const body = parseForm(rawBody);
      const query = parseForm(parsed.search.slice(1));
      const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? null;
      const entry: RequestLogEntry = {
        host: isConnectPath(parsed.pathname) ? "connect" : isApiPath(parsed.pathname) ? "api" : "page",
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
      // The pages' forms change things (pay, refund, roll a secret, pick an account): a browser
      // posting them from another site's page is refused. Browsers send Origin on form posts.
      const origin = first(req.headers.origin);
      if (method === "POST" && entry.host !== "api" && origin !== null && origin !== `http://${req.headers.host ?? ""}`) {
        entry.status = 403;
        write(res, page("Refused", "<div class=\"card narrow\"><h1>Refused</h1><p>The sandbox takes its forms only from its own pages.</p></div>", 403));
        return;
      }
      const answer =
        entry.host === "connect"
          ? handleConnect(state, connectOptions, { ...request, rawQuery: parsed.search.slice(1) })
          : entry.host === "api"
            ? handleApi(state, { ...request, rawBody })
            : handleSite(state, { rollSecret }, request);
      entry.status = answer.status;
      write(res, answer);
    })().catch((error: unknown) => {
      // A bug in the sandbox shows up as Stripe's api_error, with the cause in the message.
      const message = error instanceof Error ? error.message : String(error);
      if (!res.headersSent) write(res, { status: 500, body: { error: { type: "api_error", message: `Sandbox failure: ${message}` } } });
      else res.destroy();
    });
  });

  const listenHost = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, listenHost, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  // Clients reach a wildcard listener on loopback.
  const host = listenHost === "0.0.0.0" || listenHost === "::" ? "127.0.0.1" : listenHost;
  state.baseUrl = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;

  const accountOrThrow = (accountId: string) => {
    const account = state.accounts.get(accountId);
    if (!account) throw new Error(`sandbox: no account ${accountId}`);
    return account;
  };
  const endpointOrThrow = (id: string) => {
    const endpoint = state.endpoints.get(id);
    if (!endpoint) throw new Error(`sandbox: no webhook endpoint ${id}`);
    return endpoint;
  };
  const restrictedKey = (accountId: string, permissions: string[]) => {
    const account = accountOrThrow(accountId);
    return state.addKey("restricted", account.id, account.livemode, new Set(permissions.map(normalizePermission)));
  };

  return {
    url: state.baseUrl,
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
        secretKey: account.secretKey as string,
        restrictedKey: restrictedKey(account.id, opts.restrictedKeyPermissions ?? [...PERMISSIONS]),
      };
    },
    createRestrictedKey: restrictedKey,
    revokeKey(key) {
      const record = state.keys.get(key);
      if (!record) throw new Error(`sandbox: unknown key ${key.slice(0, 12)}…`);
      record.revoked = true;
    },
    queueAuthorization(decision) {
      if (typeof decision === "string") accountOrThrow(decision);
      state.authorizationQueue.push(decision);
    },
    isConnected: (accountId) => state.activeGrants(accountId).length > 0,
    deauthorizeAccount(accountId, { sendEvent = true } = {}) {
      const grants = state.activeGrants(accountOrThrow(accountId).id);
      for (const grant of grants) state.revokeGrant(grant);
      if (sendEvent && grants.length > 0) {
        const application = { id: state.clientId, object: "application", name: state.platform.displayName };
        emit(state, accountId, "account.application.deauthorized", { accountId, current: application, legacy: {}, basilOnly: [] });
      }
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
    accounts: premade.map((a) => ({ accountId: a.id, displayName: a.displayName, email: a.email, secretKey: a.secretKey as string })),
    createPrice(accountId, price) {
      return createPrice(state, accountOrThrow(accountId), {
        unitAmount: price.unitAmount,
        currency: price.currency,
        productName: price.productName,
        recurring: price.recurring ? { interval: price.recurring.interval, interval_count: price.recurring.interval_count ?? 1 } : null,
      });
    },
    pay(sessionId, payment = {}) {
      const record = state.checkoutSessions.find((s) => s.id === sessionId);
      if (!record) throw new Error(`sandbox: no checkout session ${sessionId}`);
      const session = record.session as { customer_email?: string | null };
      return payCheckoutSession(state, record, {
        email: payment.email ?? session.customer_email ?? "buyer@example.com",
        cardNumber: payment.cardNumber ?? TEST_CARDS.success,
        expiry: `12 / ${(new Date().getUTCFullYear() + 3) % 100}`,
        cvc: "123",
        promotionCode: payment.promotionCode,
      });
    },
    refund(id, amount) {
      const stored = state.objects.get(id);
      if (!stored || !["charge", "payment_intent"].includes(stored.current.object)) throw new Error(`sandbox: no charge or payment intent ${id}`);
      const key = stored.current.object === "charge" ? "charge" : "payment_intent";
      return createRefund(state, stored.accountId, { [key]: id, ...(amount !== undefined ? { amount: String(amount) } : {}) });
    },
    advanceSubscription: (id) => advanceSubscription(state, id),
    rollSecret,
    events: state.events,
    deliveries: state.deliveries,
    idle: () => deliverer.idle(),
    close() {
      deliverer.close();
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // stripe-node keeps connections alive; without this close() would wait for them to idle out.
        server.closeAllConnections();
      });
    },
  };
}
