import type { IncomingHttpHeaders } from "node:http";
import type { FormObject } from "./form.js";
import { type Answer, AnswerError, maskKey, v1Error } from "./http.js";
import { allowOnly, API_VERSION, apiVersionParam, bool, events, integer, metadata, required, str, url } from "./params.js";
import { advanceSubscription, createCheckoutSession, createPriceFromParams, createRefund, owned } from "./payments.js";
import { DEFAULT_API_VERSION, eventJson, render } from "./render.js";
import { createCoupon, createPromotionCode, expandDiscount } from "./promotions.js";
import {
  type AccountRecord,
  type SandboxState,
  type KeyRecord,
  type Permission,
  type RequestLogEntry,
  type WebhookEndpointRecord,
  now,
  randomId,
} from "./state.js";

// The api host (api.stripe.com): the v1 endpoints Icodrip and a shop call, with Stripe's
// authentication, Connect scoping, restricted-key permissions and error answers.

export { DEFAULT_API_VERSION } from "./render.js";

export type ApiRequest = {
  method: string;
  path: string;
  query: FormObject;
  body: FormObject;
  /** The raw body, so an Idempotency-Key reused with other parameters is caught as on Stripe. */
  rawBody: string;
  headers: IncomingHttpHeaders;
  entry: RequestLogEntry;
};

/** Who is calling and for which account, once the key and any Stripe-Account header are checked. */
type Caller = {
  key: KeyRecord;
  account: AccountRecord;
  /** Acting for a connected account (Stripe-Account header, or the account's OAuth token). */
  connected: boolean;
  scope: "read_only" | "read_write" | null;
  /** The API version the answer is rendered in: Stripe-Version, else the newest. */
  version: string;
};

type Route = {
  method: string;
  pattern: RegExp;
  /** The restricted-key permission Stripe asks for on this endpoint. */
  permission: Permission;
  /** Webhook endpoints: Stripe lets nobody configure them on a connected account. */
  webhookConfig?: boolean;
  run: (state: SandboxState, caller: Caller, params: FormObject, id: string) => Answer;
};

const header = (headers: IncomingHttpHeaders, name: string): string | null => {
  const value = headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? null;
};

/** The key from `Authorization: Bearer sk_…`, or from Basic auth as `curl -u sk_…:` sends it. */
export function credential(headers: IncomingHttpHeaders): string | null {
  const auth = header(headers, "authorization");
  if (!auth) return null;
  const [scheme, value = ""] = auth.trim().split(/\s+/, 2);
  if (/^bearer$/i.test(scheme)) return value || null;
  if (/^basic$/i.test(scheme)) return Buffer.from(value, "base64").toString("utf8").split(":")[0] || null;
  return null;
}

const isWrite = (method: string) => method !== "GET";

export function handleApi(state: SandboxState, req: ApiRequest): Answer {
  const version = header(req.headers, "stripe-version");
  const answer = (() => {
    try {
      return serve(state, req, version);
    } catch (error) {
      if (error instanceof AnswerError) return error.answer;
      throw error;
    }
  })();
  // Stripe names the version it answered in; a request-id lets stripe-node fill error.requestId.
  return {
    ...answer,
    headers: { "Request-Id": `req_${randomId(14)}`, "Stripe-Version": version ?? DEFAULT_API_VERSION, ...answer.headers },
  };
}

function serve(state: SandboxState, req: ApiRequest, version: string | null): Answer {
  const caller = authenticate(state, req);
  if (version !== null && !API_VERSION.test(version)) {
    throw v1Error(400, { message: `Invalid Stripe API version: ${version}` });
  }
  const { route, id } = findRoute(req.method, req.path);
  authorize(caller, route, req.method);

  // stripe-node sends an Idempotency-Key with every POST so it can retry safely; Stripe replays
  // the first successful answer for the same key and refuses the key with other parameters.
  const idempotencyKey = req.method === "POST" ? header(req.headers, "idempotency-key") : null;
  const cacheKey = idempotencyKey ? `${caller.key.key}\n${caller.account.id}\n${idempotencyKey}` : null;
  const fingerprint = `${req.method} ${req.path}\n${req.rawBody}`;
  const cached = cacheKey ? state.idempotent.get(cacheKey) : undefined;
  if (cached) {
    if (cached.fingerprint !== fingerprint) {
      throw v1Error(400, {
        type: "idempotency_error",
        message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey ?? ""}' if you meant to execute a different request.`,
      });
    }
    return { status: cached.status, body: cached.body, headers: { "Idempotent-Replayed": "true" } };
  }
  const params = req.method === "POST" ? req.body : req.query;
  const result = route.run(state, { ...caller, version: version ?? DEFAULT_API_VERSION }, params, id);
  if (cacheKey && result.status < 300) state.idempotent.set(cacheKey, { fingerprint, status: result.status, body: result.body });
  return result;
}

function authenticate(state: SandboxState, req: ApiRequest): Omit<Caller, "version"> {
  const key = credential(req.headers);
  req.entry.key = key;
  if (!key) {
    throw v1Error(401, {
      message:
        "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
    });
  }
  const record = state.keys.get(key);
  if (!record) throw v1Error(401, { message: `Invalid API Key provided: ${maskKey(key)}` });
  if (record.revoked) {
    // A connected account's token dies with the connection; Stripe says why in the message.
    const why = record.kind === "oauth" ? ". Application access may have been revoked." : "";
    throw v1Error(401, { code: "api_key_expired", message: `Expired API Key provided: ${maskKey(key)}${why}` });
  }

  const target = header(req.headers, "stripe-account");
  if (target && target !== record.accountId) {
    req.entry.account = target;
    if (record.accountId !== state.platform.id) {
      throw v1Error(403, {
        message:
          "Only Stripe Connect platforms can work with other accounts. If you specified a client_id parameter, make sure it's correct. If you need to setup a Stripe Connect platform, you can do so at https://dashboard.stripe.com/account/applications/settings.",
      });
    }
    const grants = state.activeGrants(target);
    const account = state.accounts.get(target);
    if (!account || grants.length === 0) {
      throw v1Error(403, {
        code: "account_invalid",
        message: `The provided key '${maskKey(key)}' does not have access to account '${target}' (or that account does not exist). Application access may have been revoked.`,
      });
    }
    const scope = grants.some((g) => g.scope === "read_write") ? "read_write" : "read_only";
    return { key: record, account, connected: true, scope };
  }

  const account = state.accounts.get(record.accountId);
  if (!account) throw new Error(`sandbox: key of unknown account ${record.accountId}`);
  req.entry.account = account.id;
  if (record.kind === "oauth") {
    const grant = record.grantId ? state.grants.get(record.grantId) : undefined;
    return { key: record, account, connected: true, scope: grant?.scope ?? "read_only" };
  }
  return { key: record, account, connected: false, scope: null };
}

function authorize(caller: Omit<Caller, "version">, route: Route, method: string): void {
  if (caller.connected && route.webhookConfig) {
    // Connected accounts cannot have endpoints of their own; their events reach the platform's
    // Connect endpoint. Wording as Stripe answers; the 403 status is inferred (Stripe files it
    // with its permission refusals), not captured.
    throw v1Error(403, {
      message:
        "You are not permitted to configure webhook endpoints on a connected account. Did you mean to create a Connect webhook on your account instead?",
    });
  }
  if (caller.connected && isWrite(method) && caller.scope === "read_only") {
    throw v1Error(403, {
      code: "more_permissions_required_for_application",
      message: `This application does not have the required permissions for this endpoint on account '${caller.account.id}'. Having the 'read_write' scope would allow this request to continue.`,
    });
  }
  const permissions = caller.key.permissions;
  if (caller.key.kind === "restricted" && permissions) {
    const writeOf = route.permission.replace(/_read$/, "_write") as Permission;
    const allowed = permissions.has(route.permission) || permissions.has(writeOf);
    if (!allowed) {
      throw v1Error(403, {
        message: `The provided key '${maskKey(caller.key.key, 6)}' does not have the required permissions for this endpoint on account '${caller.account.id}'. Having the 'rak_${route.permission}' permission would allow this request to continue.`,
      });
    }
  }
}

function findRoute(method: string, path: string): { route: Route; id: string } {
  for (const route of ROUTES) {
    const match = route.pattern.exec(path);
    if (match && route.method === method) return { route, id: match.at(1) ?? "" };
  }
  // Stripe's own wording, including its hint for the empty-id mistake (`/v1/things/`).
  const hint = path.endsWith("/")
    ? " If you are trying to list objects, remove the trailing slash. If you are trying to retrieve an object, make sure you passed a valid (non-empty) identifier in your code."
    : "";
  throw v1Error(404, {
    message: `Unrecognized request URL (${method}: ${path}).${hint} Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
  });
}

// ---- accounts ----

/** An account as GET /v1/account renders it: the fixture's fields, trimmed to sensible values. */
function accountJson(a: AccountRecord): Record<string, unknown> {
  const noRequirements = { alternatives: [], current_deadline: null, currently_due: [], disabled_reason: null, errors: [], eventually_due: [], past_due: [], pending_verification: [] };
  return {
    id: a.id,
    object: "account",
    business_profile: { mcc: null, name: a.displayName, product_description: null, support_email: null, support_phone: null, support_url: null, url: null },
    business_type: null,
    capabilities: { card_payments: "active", transfers: "active" },
    charges_enabled: true,
    // A Standard account controls itself, whether it is the platform or connected to it.
    controller: { type: "account" },
    country: "US",
    created: a.created,
    default_currency: "usd",
    details_submitted: true,
    email: a.email,
    future_requirements: noRequirements,
    metadata: {},
    payouts_enabled: true,
    requirements: noRequirements,
    settings: {
      branding: { icon: null, logo: null, primary_color: null, secondary_color: null },
      card_payments: { decline_on: { avs_failure: true, cvc_failure: true }, statement_descriptor_prefix: null },
      dashboard: { display_name: a.displayName, timezone: "Etc/UTC" },
      payments: { statement_descriptor: null },
      payouts: { debit_negative_balances: true, schedule: { delay_days: 2, interval: "daily" }, statement_descriptor: null },
    },
    tos_acceptance: { date: null, ip: null, user_agent: null },
    type: "standard",
  };
}

function retrieveAccount(state: SandboxState, caller: Caller, id: string): Answer {
  const isSelf = id === caller.account.id;
  const isConnected = caller.account.id === state.platform.id && state.activeGrants(id).length > 0;
  const account = state.accounts.get(id);
  if (!account || !(isSelf || isConnected)) {
    throw v1Error(403, {
      code: "account_invalid",
      message: `The provided key '${maskKey(caller.key.key)}' does not have access to account '${id}' (or that account does not exist). Application access may have been revoked.`,
    });
  }
  return { status: 200, body: accountJson(account) };
}

// ---- webhook endpoints ----

/** The object as Stripe renders it; `secret` only in the create answer. */
export function endpointJson(e: WebhookEndpointRecord, withSecret: boolean): Record<string, unknown> {
  return {
    id: e.id,
    object: "webhook_endpoint",
    api_version: e.apiVersion,
    application: null,
    created: e.created,
    description: e.description,
    enabled_events: [...e.enabledEvents],
    livemode: e.livemode,
    metadata: { ...e.metadata },
    ...(withSecret ? { secret: e.secret } : {}),
    status: e.status,
    url: e.url,
  };
}

function ownEndpoint(state: SandboxState, caller: Caller, id: string): WebhookEndpointRecord {
  const e = state.endpoints.get(id);
  // Another account's endpoint is as missing as a deleted one: Stripe never says it exists.
  if (!e || e.accountId !== caller.account.id) {
    throw v1Error(404, { code: "resource_missing", param: "id", message: `No such webhook endpoint: '${id}'` });
  }
  return e;
}

function createEndpoint(state: SandboxState, caller: Caller, params: FormObject): Answer {
  allowOnly(params, ["url", "enabled_events", "api_version", "connect", "description", "metadata"]);
  required(params, "url");
  required(params, "enabled_events");
  const record: WebhookEndpointRecord = {
    id: `we_1${randomId(23)}`,
    accountId: caller.account.id,
    url: url(params, "url") as string,
    enabledEvents: events(params, "enabled_events") as string[],
    connect: bool(params, "connect") ?? false,
    apiVersion: apiVersionParam(params) ?? null,
    description: str(params, "description") || null,
    metadata: metadata(params) ?? {},
    status: "enabled",
    secret: `whsec_${randomId(32)}`,
    livemode: caller.key.livemode,
    created: now(),
    seq: state.nextSeq(),
  };
  state.endpoints.set(record.id, record);
  return { status: 200, body: endpointJson(record, true) };
}

function listEndpoints(state: SandboxState, caller: Caller, params: FormObject): Answer {
  allowOnly(params, ["limit", "starting_after", "ending_before"]);
  const limit = integer(params, "limit", 1, 100) ?? 10;
  const all = [...state.endpoints.values()].filter((e) => e.accountId === caller.account.id).sort((a, b) => b.seq - a.seq);
  const cursor = (name: "starting_after" | "ending_before") => {
    const id = str(params, name);
    if (id === undefined) return -1;
    const index = all.findIndex((e) => e.id === id);
    if (index < 0) throw v1Error(400, { code: "resource_missing", param: name, message: `No such webhook endpoint: '${id}'` });
    return index;
  };
  const after = cursor("starting_after");
  const before = cursor("ending_before");
  let page: WebhookEndpointRecord[];
  let hasMore: boolean;
  if (before >= 0) {
    // The `limit` endpoints just newer than the cursor, still newest first.
    const newer = all.slice(0, before);
    page = newer.slice(Math.max(0, newer.length - limit));
    hasMore = newer.length > limit;
  } else {
    const rest = all.slice(after + 1);
    page = rest.slice(0, limit);
    hasMore = rest.length > limit;
  }
  return {
    status: 200,
    body: { object: "list", data: page.map((e) => endpointJson(e, false)), has_more: hasMore, url: "/v1/webhook_endpoints" },
  };
}

function updateEndpoint(state: SandboxState, caller: Caller, params: FormObject, id: string): Answer {
  const e = ownEndpoint(state, caller, id);
  allowOnly(params, ["url", "enabled_events", "disabled", "description", "metadata"]);
  const nextUrl = url(params, "url");
  const nextEvents = events(params, "enabled_events");
  const disabled = bool(params, "disabled");
  const description = str(params, "description");
  const nextMetadata = metadata(params, e.metadata);
  if (nextUrl !== undefined) e.url = nextUrl;
  if (nextEvents !== undefined) e.enabledEvents = nextEvents;
  if (disabled !== undefined) e.status = disabled ? "disabled" : "enabled";
  if (description !== undefined) e.description = description || null;
  if (nextMetadata !== undefined) e.metadata = nextMetadata;
  return { status: 200, body: endpointJson(e, false) };
}

function deleteEndpoint(state: SandboxState, caller: Caller, _params: FormObject, id: string): Answer {
  const e = ownEndpoint(state, caller, id);
  state.endpoints.delete(e.id);
  return { status: 200, body: { id: e.id, object: "webhook_endpoint", deleted: true } };
}

// ---- payments ----

/** One payment object of the caller's account, rendered in the caller's API version. */
function retrieve(kind: string, object: string) {
  return (state: SandboxState, caller: Caller, _params: FormObject, id: string): Answer => {
    const { stored } = owned(state, caller.account.id, id, kind, object);
    const body = render(stored, caller.version);
    if (object === "invoice" && expands(_params, "payments")) body.payments = list(invoicePayments(state, caller, id), `/v1/invoice_payments?invoice=${id}`);
    const deep = expands(_params, "discounts.promotion_code");
    if (object === "invoice" && (deep || expands(_params, "discounts")) && Array.isArray(body.discounts)) {
      body.discounts = body.discounts.map((d: unknown) => (typeof d === "string" ? expandDiscount(state, d, deep) : d));
    }
    if (object === "checkout.session" && expands(_params, "total_details.breakdown")) withBreakdown(state, body);
    return { status: 200, body };
  };
}

/** total_details.breakdown, which Stripe renders only when expanded: the session's discount as a Discount object. */
function withBreakdown(state: SandboxState, body: Record<string, unknown>): void {
  const totals = body.total_details as Record<string, unknown> | null;
  if (!totals) return;
  const record = state.checkoutSessions.find((r) => r.id === body.id);
  const amount = typeof totals.amount_discount === "number" ? totals.amount_discount : 0;
  // The Discount made at payment, else (an open session) one as Stripe shows it before redemption.
  const redeemed = [...state.objects.values()].find((o) => o.current.object === "discount" && o.current.checkout_session === body.id);
  const discount = redeemed
    ? structuredClone(redeemed.current)
    : record?.discount
      ? { id: null, object: "discount", checkout_session: body.id, promotion_code: record.discount.promotionCode, source: { coupon: record.discount.coupon, type: "coupon" } }
      : null;
  totals.breakdown = { discounts: discount ? [{ amount, discount }] : [], taxes: [] };
}

function expands(params: FormObject, field: string): boolean {
  const expand = params.expand;
  const all = typeof expand === "string" ? [expand] : Array.isArray(expand) ? expand : [];
  return all.includes(field);
}

const list = (data: unknown[], url: string) => ({ object: "list", data, has_more: false, url });

function invoicePayments(state: SandboxState, caller: Caller, invoiceId: string): Record<string, unknown>[] {
  return [...state.objects.values()]
    .filter((o) => o.accountId === caller.account.id && o.current.object === "invoice_payment" && o.current.invoice === invoiceId)
    .map((o) => render(o, caller.version));
}

/** A newest-first list of one kind, filtered by the given fields (GET /v1/charges?payment_intent=…). */
function listOf(object: string, path: string, filters: string[]) {
  return (state: SandboxState, caller: Caller, params: FormObject): Answer => {
    allowOnly(params, ["limit", ...filters]);
    const limit = integer(params, "limit", 1, 100) ?? 10;
    const all = [...state.objects.values()].filter(
      (o) => o.accountId === caller.account.id && o.current.object === object && filters.every((f) => str(params, f) === undefined || o.current[f] === str(params, f)),
    );
    const data = all.reverse().slice(0, limit).map((o) => render(o, caller.version));
    return { status: 200, body: { ...list(data, path), has_more: all.length > limit } };
  };
}

function retrieveEvent(state: SandboxState, caller: Caller, _params: FormObject, id: string): Answer {
  const event = state.events.find((e) => e.id === id && e.accountId === caller.account.id);
  if (!event) throw v1Error(404, { code: "resource_missing", param: "id", message: `No such event: '${id}'` });
  return { status: 200, body: eventJson(event, caller.version, caller.connected ? event.accountId : null) };
}

function listEvents(state: SandboxState, caller: Caller, params: FormObject): Answer {
  allowOnly(params, ["limit", "type"]);
  const limit = integer(params, "limit", 1, 100) ?? 10;
  const type = str(params, "type");
  const all = state.events.filter((e) => e.accountId === caller.account.id && (type === undefined || e.type === type)).reverse();
  const data = all.slice(0, limit).map((e) => eventJson(e, caller.version, caller.connected ? e.accountId : null));
  return { status: 200, body: { ...list(data, "/v1/events"), has_more: all.length > limit } };
}

const ID = "([A-Za-z0-9_]+)";

const ROUTES: Route[] = [
  { method: "GET", pattern: /^\/v1\/account$/, permission: "accounts_kyc_basic_read", run: (_s, c) => ({ status: 200, body: accountJson(c.account) }) },
  { method: "GET", pattern: new RegExp(`^/v1/accounts/${ID}$`), permission: "accounts_kyc_basic_read", run: (s, c, _p, id) => retrieveAccount(s, c, id) },
  { method: "POST", pattern: /^\/v1\/webhook_endpoints$/, permission: "webhook_write", webhookConfig: true, run: createEndpoint },
  { method: "GET", pattern: /^\/v1\/webhook_endpoints$/, permission: "webhook_read", webhookConfig: true, run: listEndpoints },
  { method: "GET", pattern: new RegExp(`^/v1/webhook_endpoints/${ID}$`), permission: "webhook_read", webhookConfig: true, run: (s, c, _p, id) => ({ status: 200, body: endpointJson(ownEndpoint(s, c, id), false) }) },
  { method: "POST", pattern: new RegExp(`^/v1/webhook_endpoints/${ID}$`), permission: "webhook_write", webhookConfig: true, run: updateEndpoint },
  { method: "DELETE", pattern: new RegExp(`^/v1/webhook_endpoints/${ID}$`), permission: "webhook_write", webhookConfig: true, run: deleteEndpoint },
  { method: "POST", pattern: /^\/v1\/checkout\/sessions$/, permission: "checkout_session_write", run: (s, c, p) => ({ status: 200, body: createCheckoutSession(s, c.account, c.key.livemode, p) }) },
  { method: "GET", pattern: new RegExp(`^/v1/checkout/sessions/${ID}$`), permission: "checkout_session_read", run: retrieve("checkout.session", "checkout.session") },
  { method: "POST", pattern: /^\/v1\/prices$/, permission: "price_write", run: (s, c, p) => ({ status: 200, body: createPriceFromParams(s, c.account, p) }) },
  { method: "GET", pattern: new RegExp(`^/v1/prices/${ID}$`), permission: "price_read", run: retrieve("price", "price") },
  { method: "GET", pattern: new RegExp(`^/v1/customers/${ID}$`), permission: "customer_read", run: retrieve("customer", "customer") },
  { method: "GET", pattern: new RegExp(`^/v1/payment_intents/${ID}$`), permission: "payment_intent_read", run: retrieve("payment_intent", "payment_intent") },
  { method: "GET", pattern: /^\/v1\/charges$/, permission: "charge_read", run: listOf("charge", "/v1/charges", ["payment_intent", "customer"]) },
  { method: "GET", pattern: new RegExp(`^/v1/charges/${ID}$`), permission: "charge_read", run: retrieve("charge", "charge") },
  { method: "GET", pattern: new RegExp(`^/v1/subscriptions/${ID}$`), permission: "subscription_read", run: retrieve("subscription", "subscription") },
  { method: "GET", pattern: new RegExp(`^/v1/invoices/${ID}$`), permission: "invoice_read", run: retrieve("invoice", "invoice") },
  { method: "GET", pattern: /^\/v1\/invoice_payments$/, permission: "invoice_read", run: listOf("invoice_payment", "/v1/invoice_payments", ["invoice"]) },
  { method: "GET", pattern: new RegExp(`^/v1/invoice_payments/${ID}$`), permission: "invoice_read", run: retrieve("invoice_payment", "invoice_payment") },
  { method: "POST", pattern: /^\/v1\/refunds$/, permission: "refund_write", run: (s, c, p) => ({ status: 200, body: createRefund(s, c.account.id, p) }) },
  { method: "GET", pattern: new RegExp(`^/v1/refunds/${ID}$`), permission: "refund_read", run: retrieve("refund", "refund") },
  { method: "POST", pattern: /^\/v1\/coupons$/, permission: "coupon_write", run: (s, c, p) => ({ status: 200, body: createCoupon(s, c.account, p) }) },
  { method: "GET", pattern: new RegExp(`^/v1/coupons/${ID}$`), permission: "coupon_read", run: retrieve("coupon", "coupon") },
  { method: "POST", pattern: /^\/v1\/promotion_codes$/, permission: "promotion_code_write", run: (s, c, p) => ({ status: 200, body: createPromotionCode(s, c.account, p) }) },
  { method: "GET", pattern: /^\/v1\/promotion_codes$/, permission: "promotion_code_read", run: listOf("promotion_code", "/v1/promotion_codes", ["code"]) },
  { method: "GET", pattern: new RegExp(`^/v1/promotion_codes/${ID}$`), permission: "promotion_code_read", run: retrieve("promotion code", "promotion_code") },
  { method: "GET", pattern: /^\/v1\/events$/, permission: "event_read", run: listEvents },
  { method: "GET", pattern: new RegExp(`^/v1/events/${ID}$`), permission: "event_read", run: retrieveEvent },
  // Sandbox only (Stripe's test clocks do this on real Stripe): the subscription's next period begins now.
  { method: "POST", pattern: new RegExp(`^/v1/sandbox/subscriptions/${ID}/advance$`), permission: "subscription_read", run: (s, c, _p, id) => advanceOwn(s, c, id) },
];

function advanceOwn(state: SandboxState, caller: Caller, id: string): Answer {
  owned(state, caller.account.id, id, "subscription", "subscription");
  const invoice = advanceSubscription(state, id);
  return { status: 200, body: render(state.objects.get(invoice.id) as NonNullable<ReturnType<typeof state.objects.get>>, caller.version) };
}
