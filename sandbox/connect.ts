import type { IncomingHttpHeaders } from "node:http";
import { credential } from "./api.js";
import { type FormObject, parseForm } from "./form.js";
import { type Answer, AnswerError, oauthError } from "./http.js";
import { chooserPage } from "./pages.js";
import { type AuthorizationDecision, type SandboxState, type Grant, type KeyRecord, type RequestLogEntry, randomId } from "./state.js";

// The Connect host (connect.stripe.com): OAuth for Standard accounts. Its errors are the flat
// OAuth kind, `{"error":"invalid_grant","error_description":"…"}`, which stripe-node turns into
// StripeInvalidGrantError and its siblings. Wording follows Stripe's OAuth reference and the
// answers its own SDK tests replay; where Stripe's text is not known the description says so
// plainly and keeps the documented error code.

export type ConnectRequest = {
  method: string;
  path: string;
  query: FormObject;
  /** The query string as sent, carried through the account chooser's form. */
  rawQuery: string;
  body: FormObject;
  headers: IncomingHttpHeaders;
  entry: RequestLogEntry;
};

export type ConnectOptions = {
  /** Redirect URIs registered for the platform; empty means any http(s) URL is accepted. */
  redirectUris: string[];
};

/** Stripe's authorization codes work once and for five minutes. */
const CODE_LIFETIME_MS = 5 * 60 * 1000;
const SCOPES = ["read_only", "read_write"] as const;
type Scope = (typeof SCOPES)[number];

const text = (params: FormObject, name: string): string | undefined => {
  const value = params[name];
  return typeof value === "string" && value !== "" ? value : undefined;
};

export function handleConnect(state: SandboxState, options: ConnectOptions, req: ConnectRequest): Answer {
  try {
    const path = req.path.replace(/^\/express/, "");
    if (req.method === "GET" && path === "/oauth/authorize") return authorize(state, options, req.query, req.rawQuery);
    if (req.method === "POST" && path === "/oauth/authorize") return choose(state, options, req.body);
    if (req.method === "POST" && path === "/oauth/token") return token(state, req);
    if (req.method === "POST" && path === "/oauth/deauthorize") return deauthorize(state, req);
    return { status: 404, body: { error: "invalid_request", error_description: `Unrecognized request URL (${req.method}: ${req.path}).` } };
  } catch (error) {
    if (error instanceof AnswerError) return error.answer;
    throw error;
  }
}

type Authorization = { redirectUri: string; scope: Scope; stateParam: string | undefined };

/** Checks an authorize request the way Stripe does before the merchant sees anything. */
function validate(state: SandboxState, options: ConnectOptions, q: FormObject): Authorization {
  const stateParam = text(q, "state");
  // Stripe answers request errors itself (JSON, with the state echoed) instead of redirecting;
  // only the merchant's own decision goes back by redirect.
  const fail = (error: string, description: string) => oauthError(400, error, description, stateParam ? { state: stateParam } : {});

  const responseType = text(q, "response_type");
  if (!responseType) throw fail("invalid_request", "No response_type provided.");
  if (responseType !== "code") throw fail("unsupported_response_type", `Unsupported response_type: ${responseType}. The only supported response_type is code.`);
  const clientId = text(q, "client_id");
  if (!clientId) throw fail("invalid_request", "No client_id provided.");
  if (clientId !== state.clientId) throw fail("invalid_client", `No such application: '${clientId}'.`);
  // Stripe's default for Standard accounts when no scope is asked for.
  const scope = text(q, "scope") ?? "read_only";
  if (!(SCOPES as readonly string[]).includes(scope)) throw fail("invalid_scope", `Invalid scope: ${scope}. Valid scopes are read_only and read_write.`);
  const redirectUri = resolveRedirect(text(q, "redirect_uri"), options, fail);
  return { redirectUri, scope: scope as Scope, stateParam };
}

function authorize(state: SandboxState, options: ConnectOptions, q: FormObject, rawQuery: string): Answer {
  const request = validate(state, options, q);
  // A queued decision answers at once (API tests); otherwise the merchant picks an account.
  const queued = state.authorizationQueue.shift();
  if (queued !== undefined) return decide(state, request, queued);
  const accounts = [...state.accounts.values()].filter((a) => a.id !== state.platform.id && a.livemode === state.livemode);
  return chooserPage(state, rawQuery, accounts);
}

/** The merchant's answer on the chooser: an account, a new one, or Deny. */
function choose(state: SandboxState, options: ConnectOptions, body: FormObject): Answer {
  const q = parseForm(text(body, "query") ?? "");
  const request = validate(state, options, q);
  const choice = text(body, "account");
  if (choice === "deny") return decide(state, request, { error: "access_denied", error_description: "The user denied your request" });
  if (choice === "new") return decide(state, request, state.addAccount({ livemode: state.livemode, email: stripeUserEmail(q) }).id);
  const account = choice ? state.accounts.get(choice) : undefined;
  if (!account || account.id === state.platform.id) throw oauthError(400, "invalid_request", `No such account to connect: ${choice ?? "(none chosen)"}.`);
  return decide(state, request, account.id);
}

function decide(state: SandboxState, request: Authorization, decision: AuthorizationDecision): Answer {
  const target = new URL(request.redirectUri);
  if (typeof decision === "object") {
    target.searchParams.set("error", decision.error);
    if (decision.error_description) target.searchParams.set("error_description", decision.error_description);
  } else {
    const code = `ac_${randomId(32)}`;
    state.codes.set(code, { code, accountId: decision, scope: request.scope, expiresAt: Date.now() + CODE_LIFETIME_MS, used: false, grantId: null });
    target.searchParams.set("code", code);
    target.searchParams.set("scope", request.scope);
  }
  if (request.stateParam) target.searchParams.set("state", request.stateParam);
  // A browser follows the 302 with a GET after the chooser's POST as well.
  return { status: 302, headers: { Location: target.toString() } };
}

/** `stripe_user[email]` arrives parsed as a nested hash. */
function stripeUserEmail(q: FormObject): string | undefined {
  const user = q.stripe_user;
  return user && typeof user === "object" && !Array.isArray(user) && typeof user.email === "string" ? user.email : undefined;
}

function resolveRedirect(given: string | undefined, options: ConnectOptions, fail: (e: string, d: string) => AnswerError): string {
  if (given === undefined) {
    // Without a redirect_uri Stripe uses the first one registered for the platform.
    const first = options.redirectUris[0];
    if (!first) throw fail("invalid_redirect_uri", "No redirect_uri was provided and the application has none configured.");
    return first;
  }
  let parsed: URL | null;
  try {
    parsed = new URL(given);
  } catch {
    parsed = null;
  }
  if (!parsed || !["http:", "https:"].includes(parsed.protocol)) throw fail("invalid_redirect_uri", `Invalid redirect_uri: ${given}`);
  if (options.redirectUris.length > 0 && !options.redirectUris.includes(given)) {
    throw fail("invalid_redirect_uri", `Invalid redirect URI '${given}'. Ensure this uri exactly matches one of the uris specified in your application settings.`);
  }
  return given;
}

/**
 * The platform's secret key, from the `client_secret` field or the Authorization header
 * (stripe-node sends the instance's key as a Bearer token; a `client_secret` field wins, as in
 * Stripe's other SDKs).
 */
function platformCaller(state: SandboxState, req: ConnectRequest): KeyRecord {
  const secret = text(req.body, "client_secret") ?? credential(req.headers);
  req.entry.key = secret ?? null;
  if (!secret) {
    throw oauthError(401, "invalid_client", "No authentication credentials were provided. Send your secret API key in the Authorization header using the Bearer authentication method");
  }
  const key = state.keys.get(secret);
  if (!key || key.revoked) throw oauthError(401, "invalid_client", `No such API key: ${secret}`);
  req.entry.account = key.accountId;
  return key;
}

const isPlatformSecret = (state: SandboxState, key: KeyRecord) => key.kind === "secret" && key.accountId === state.platform.id;

function tokenJson(grant: Grant): Answer {
  return {
    status: 200,
    body: {
      access_token: grant.accessToken,
      livemode: grant.livemode,
      refresh_token: grant.refreshToken,
      scope: grant.scope,
      stripe_publishable_key: grant.publishableKey,
      stripe_user_id: grant.accountId,
      token_type: "bearer",
    },
  };
}

function token(state: SandboxState, req: ConnectRequest): Answer {
  const key = platformCaller(state, req);
  const grantType = text(req.body, "grant_type");
  if (!grantType) throw oauthError(400, "invalid_request", "No grant type specified");
  if (grantType === "authorization_code") return exchangeCode(state, key, req.body);
  if (grantType === "refresh_token") return refresh(state, key, req.body);
  throw oauthError(400, "unsupported_grant_type", `Unsupported grant type: ${grantType}`);
}

function exchangeCode(state: SandboxState, key: KeyRecord, body: FormObject): Answer {
  const code = text(body, "code");
  if (!code) throw oauthError(400, "invalid_request", "No authorization code provided");
  const record = state.codes.get(code);
  if (!record) throw oauthError(400, "invalid_grant", `Authorization code does not exist: ${code}`);
  if (!isPlatformSecret(state, key)) throw oauthError(400, "invalid_grant", "Authorization code provided does not belong to you");
  if (record.used) {
    // Stripe treats a replayed code as leaked: the connection it opened is closed too.
    const grant = record.grantId ? state.grants.get(record.grantId) : undefined;
    if (grant) state.revokeGrant(grant);
    throw oauthError(400, "invalid_grant", "This authorization code has already been used. All tokens issued with this code have been revoked.");
  }
  if (record.expiresAt < Date.now()) throw oauthError(400, "invalid_grant", `Authorization code expired: ${code}`);

  record.used = true;
  const grantId = `grant_${randomId(16)}`;
  const mode = state.livemode ? "live" : "test";
  const grant: Grant = {
    id: grantId,
    accountId: record.accountId,
    scope: record.scope,
    accessToken: state.addKey("oauth", record.accountId, state.livemode, null, grantId),
    refreshToken: `rt_${randomId(48)}`,
    publishableKey: `pk_${mode}_51${randomId(96)}`,
    livemode: state.livemode,
    revoked: false,
  };
  state.grants.set(grantId, grant);
  record.grantId = grantId;
  return tokenJson(grant);
}

function refresh(state: SandboxState, key: KeyRecord, body: FormObject): Answer {
  const refreshToken = text(body, "refresh_token");
  if (!refreshToken) throw oauthError(400, "invalid_request", "No refresh token provided");
  const grant = [...state.grants.values()].find((g) => g.refreshToken === refreshToken);
  if (!grant || grant.revoked || !isPlatformSecret(state, key)) throw oauthError(400, "invalid_grant", `Invalid refresh token: ${refreshToken}`);
  const scope = text(body, "scope") ?? grant.scope;
  if (!(SCOPES as readonly string[]).includes(scope) || (scope === "read_write" && grant.scope === "read_only")) {
    throw oauthError(400, "invalid_scope", `Invalid scope: ${scope}. The scope must be equal to or lesser than the refresh token's scope (${grant.scope}).`);
  }
  // A refreshed token replaces the old one, which stops working at once.
  const old = state.keys.get(grant.accessToken);
  if (old) old.revoked = true;
  grant.scope = scope as Scope;
  grant.accessToken = state.addKey("oauth", grant.accountId, grant.livemode, null, grant.id);
  return tokenJson(grant);
}

function deauthorize(state: SandboxState, req: ConnectRequest): Answer {
  const key = platformCaller(state, req);
  const clientId = text(req.body, "client_id");
  const accountId = text(req.body, "stripe_user_id");
  if (!clientId) throw oauthError(400, "invalid_request", "No client_id provided");
  if (!accountId) throw oauthError(400, "invalid_request", "No stripe_user_id provided");
  if (clientId !== state.clientId || !isPlatformSecret(state, key)) {
    throw oauthError(401, "invalid_client", `No such application: '${clientId}' does not belong to this API key.`);
  }
  const grants = state.activeGrants(accountId);
  if (grants.length === 0) {
    throw oauthError(401, "invalid_client", `This application is not connected to stripe account ${accountId}, or that account does not exist.`);
  }
  for (const grant of grants) state.revokeGrant(grant);
  return { status: 200, body: { stripe_user_id: accountId } };
}
