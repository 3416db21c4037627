import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseForm } from "../../sandbox/form.js";
import { type StripeSandbox, startStripeSandbox } from "../../sandbox/index.js";

// The emulator is only worth something if the real client cannot tell it from Stripe, so every
// case here goes through stripe-node itself, pointed at the emulator by its host option.

let emulator: StripeSandbox;
const REDIRECT = "http://127.0.0.1:8787/integrations/stripe/callback";

beforeAll(async () => {
  emulator = await startStripeSandbox({ redirectUris: [REDIRECT] });
});
afterAll(async () => {
  await emulator.close();
});

/** A stripe-node client of the emulator; no retries, so a refusal is seen once and at once. */
const client = (key: string, extra: { stripeAccount?: string } = {}) =>
  new Stripe(key, { ...emulator.stripeConfig, maxNetworkRetries: 0, ...extra });

/** Runs the browser half of OAuth: the redirect Stripe would send the merchant back with. */
async function authorize(query: Record<string, string>): Promise<URL> {
  const params = new URLSearchParams({ response_type: "code", client_id: emulator.clientId, redirect_uri: REDIRECT, ...query });
  const res = await fetch(`${emulator.url}/oauth/authorize?${params}`, { redirect: "manual" });
  expect(res.status).toBe(302);
  return new URL(res.headers.get("location") ?? "");
}

/** Connects a fresh merchant through OAuth and returns its account id and access token. */
async function connectMerchant(scope = "read_write") {
  const { accountId } = emulator.createAccount();
  emulator.queueAuthorization(accountId);
  const back = await authorize({ scope, state: "s1" });
  const token = await client(emulator.platformKey).oauth.token({ grant_type: "authorization_code", code: back.searchParams.get("code") ?? "" });
  return { accountId, token };
}

async function rejection(promise: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Stripe.errors.StripeError) return error;
    throw error;
  }
  throw new Error("expected Stripe to refuse the request");
}

describe("form bodies", () => {
  it("parses nesting, indexed and appended arrays the way stripe-node and curl write them", () => {
    const form = parseForm(
      "url=https%3A%2F%2Fx.test%2Fh&enabled_events[0]=charge.refunded&enabled_events[1]=invoice.paid&metadata[a%20b]=c" +
        "&line_items[0][price_data][unit_amount]=500&line_items[0][quantity]=2&tags[]=x&tags[]=y&connect=true",
    );
    expect(form).toEqual({
      url: "https://x.test/h",
      enabled_events: ["charge.refunded", "invoice.paid"],
      metadata: { "a b": "c" },
      line_items: [{ price_data: { unit_amount: "500" }, quantity: "2" }],
      tags: ["x", "y"],
      connect: "true",
    });
  });
});

describe("webhook endpoints", () => {
  it("creates, lists, retrieves, updates and deletes the platform's Connect endpoint", async () => {
    const stripe = client(emulator.platformKey);
    const created = await stripe.webhookEndpoints.create({
      url: "https://icodrip.test/webhooks/stripe",
      enabled_events: ["checkout.session.completed", "charge.refunded"],
      connect: true,
      api_version: "2026-10-28.endive",
      description: "Icodrip",
      metadata: { icodrip: "platform" },
    });
    expect(created).toMatchObject({
      object: "webhook_endpoint",
      status: "enabled",
      url: "https://icodrip.test/webhooks/stripe",
      enabled_events: ["checkout.session.completed", "charge.refunded"],
      api_version: "2026-10-28.endive",
      livemode: false,
      metadata: { icodrip: "platform" },
    });
    expect(created.id).toMatch(/^we_/);
    expect(created.secret).toMatch(/^whsec_/);
    expect(emulator.webhookEndpoints()).toContainEqual(expect.objectContaining({ id: created.id, connect: true, secret: created.secret }));

    const listed = await stripe.webhookEndpoints.list({ limit: 10 });
    expect(listed.data.map((e) => e.id)).toContain(created.id);
    const retrieved = await stripe.webhookEndpoints.retrieve(created.id);
    expect(retrieved.url).toBe(created.url);
    expect(retrieved.secret).toBeUndefined();

    const updated = await stripe.webhookEndpoints.update(created.id, {
      url: "https://icodrip.test/webhooks/stripe?v=2",
      enabled_events: ["invoice.paid"],
      disabled: true,
      metadata: { icodrip: "" },
    });
    expect(updated).toMatchObject({ url: "https://icodrip.test/webhooks/stripe?v=2", enabled_events: ["invoice.paid"], status: "disabled", metadata: {} });

    expect(await stripe.webhookEndpoints.del(created.id)).toMatchObject({ id: created.id, object: "webhook_endpoint", deleted: true });
    const gone = await rejection(stripe.webhookEndpoints.retrieve(created.id));
    expect(gone).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(gone).toMatchObject({ statusCode: 404, code: "resource_missing", param: "id" });
    expect(gone.message).toBe(`No such webhook endpoint: '${created.id}'`);
  });

  it("pages newest first through has_more and starting_after", async () => {
    const { restrictedKey } = emulator.createAccount();
    const stripe = client(restrictedKey);
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      ids.push((await stripe.webhookEndpoints.create({ url: `https://m.test/${i}`, enabled_events: ["*"] })).id);
    }
    const first = await stripe.webhookEndpoints.list({ limit: 2 });
    expect(first.has_more).toBe(true);
    expect(first.data.map((e) => e.id)).toEqual([ids[4], ids[3]]);
    const all = await stripe.webhookEndpoints.list({ limit: 2 }).autoPagingToArray({ limit: 100 });
    expect(all.map((e) => e.id)).toEqual([...ids].reverse());
  });

  it("refuses a parameter it does not know and a missing url, as Stripe does", async () => {
    const stripe = client(emulator.platformKey);
    const unknown = await rejection(stripe.webhookEndpoints.create({ url: "https://x.test", enabled_events: ["*"], bogus: "1" } as Stripe.WebhookEndpointCreateParams));
    expect(unknown).toMatchObject({ statusCode: 400, code: "parameter_unknown", param: "bogus" });
    const missing = await rejection(stripe.webhookEndpoints.create({ enabled_events: ["*"] } as unknown as Stripe.WebhookEndpointCreateParams));
    expect(missing).toMatchObject({ statusCode: 400, code: "parameter_missing", param: "url" });
  });

  it("shows dashboard changes: a deleted endpoint is missing, a disabled one says so", async () => {
    const { accountId, restrictedKey } = emulator.createAccount();
    const stripe = client(restrictedKey);
    const a = await stripe.webhookEndpoints.create({ url: "https://m.test/a", enabled_events: ["charge.refunded"] });
    const b = await stripe.webhookEndpoints.create({ url: "https://m.test/b", enabled_events: ["charge.refunded"] });
    emulator.deleteEndpoint(a.id);
    emulator.disableEndpoint(b.id);
    expect((await rejection(stripe.webhookEndpoints.retrieve(a.id))).statusCode).toBe(404);
    expect((await stripe.webhookEndpoints.retrieve(b.id)).status).toBe("disabled");
    expect(emulator.webhookEndpoints(accountId).map((e) => e.id)).toEqual([b.id]);
  });
});

describe("keys and permissions", () => {
  it("lets a restricted key with webhook_write register an endpoint on the merchant's own account", async () => {
    const { accountId, restrictedKey } = emulator.createAccount({ restrictedKeyPermissions: ["rak_webhook_write", "accounts_kyc_basic_read"] });
    expect(restrictedKey).toMatch(/^rk_test_/);
    const stripe = client(restrictedKey);
    expect((await stripe.accounts.retrieveCurrent()).id).toBe(accountId);
    const endpoint = await stripe.webhookEndpoints.create({ url: `https://icodrip.test/webhooks/stripe/${accountId}`, enabled_events: ["invoice.paid"] });
    expect(emulator.webhookEndpoints(accountId)).toEqual([expect.objectContaining({ id: endpoint.id, connect: false, account: accountId })]);
    // Write implies read, as on Stripe.
    expect((await stripe.webhookEndpoints.list()).data).toHaveLength(1);
  });

  it("answers 403 naming the missing permission when the restricted key lacks webhook_write", async () => {
    const { accountId, restrictedKey } = emulator.createAccount({ restrictedKeyPermissions: ["webhook_read", "accounts_kyc_basic_read"] });
    const stripe = client(restrictedKey);
    expect((await stripe.webhookEndpoints.list()).data).toEqual([]);
    const error = await rejection(stripe.webhookEndpoints.create({ url: "https://x.test", enabled_events: ["*"] }));
    expect(error).toBeInstanceOf(Stripe.errors.StripePermissionError);
    expect(error.statusCode).toBe(403);
    expect(error.message).toMatch(
      new RegExp(`^The provided key 'rk_test_\\*+\\w{6}' does not have the required permissions for this endpoint on account '${accountId}'\\. Having the 'rak_webhook_write' permission would allow this request to continue\\.$`),
    );
    const noAccountRead = await rejection(client(emulator.createRestrictedKey(accountId, ["webhook_write"])).accounts.retrieveCurrent());
    expect(noAccountRead.message).toContain("'rak_accounts_kyc_basic_read'");
  });

  it("answers 401 for an unknown key and api_key_expired for a revoked one", async () => {
    const invalid = await rejection(client("sk_test_notakey1234").webhookEndpoints.list());
    expect(invalid).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(invalid.message).toBe("Invalid API Key provided: sk_test_*******1234");
    const { restrictedKey } = emulator.createAccount();
    emulator.revokeKey(restrictedKey);
    const expired = await rejection(client(restrictedKey).webhookEndpoints.list());
    expect(expired).toMatchObject({ statusCode: 401, code: "api_key_expired" });
  });

  it("answers an unknown URL with Stripe's 404", async () => {
    const res = await fetch(`${emulator.url}/v1/nothing_here`, { headers: { Authorization: `Bearer ${emulator.platformKey}` } });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: {
        type: "invalid_request_error",
        message: "Unrecognized request URL (GET: /v1/nothing_here). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.",
      },
    });
  });
});

describe("Connect OAuth", () => {
  it("redirects with a code, exchanges it once, and refuses the reused code as invalid_grant", async () => {
    const { accountId } = emulator.createAccount({ email: "shop@example.com", displayName: "The Shop" });
    emulator.queueAuthorization(accountId);
    const back = await authorize({ scope: "read_only", state: "csrf-123" });
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT);
    expect(back.searchParams.get("state")).toBe("csrf-123");
    expect(back.searchParams.get("scope")).toBe("read_only");
    const code = back.searchParams.get("code") ?? "";
    expect(code).toMatch(/^ac_/);

    const platform = client(emulator.platformKey);
    const token = await platform.oauth.token({ grant_type: "authorization_code", code });
    expect(token).toMatchObject({ livemode: false, scope: "read_only", stripe_user_id: accountId, token_type: "bearer" });
    expect(token.access_token).toMatch(/^sk_test_/);
    expect(token.refresh_token).toMatch(/^rt_/);
    expect(token.stripe_publishable_key).toMatch(/^pk_test_/);

    // The access token reads the connected account, and so does the platform key with Stripe-Account.
    const account = await client(token.access_token ?? "").accounts.retrieveCurrent();
    expect(account).toMatchObject({ id: accountId, email: "shop@example.com", settings: { dashboard: { display_name: "The Shop" } } });
    expect((await client(emulator.platformKey, { stripeAccount: accountId }).accounts.retrieveCurrent()).id).toBe(accountId);
    // read_only: no writes on the merchant's behalf.
    const write = await rejection(client(token.access_token ?? "").checkout.sessions.create({ mode: "payment", success_url: "https://s.test" }));
    expect(write).toBeInstanceOf(Stripe.errors.StripePermissionError);
    expect(write.message).toContain("Having the 'read_write' scope would allow this request to continue.");

    const reused = await rejection(platform.oauth.token({ grant_type: "authorization_code", code }));
    expect(reused).toBeInstanceOf(Stripe.errors.StripeInvalidGrantError);
    expect(reused.message).toBe("This authorization code has already been used. All tokens issued with this code have been revoked.");
    // Like Stripe, a replayed code closes the connection it opened.
    expect(emulator.isConnected(accountId)).toBe(false);

    const unknown = await rejection(platform.oauth.token({ grant_type: "authorization_code", code: "ac_unknown" }));
    expect(unknown).toBeInstanceOf(Stripe.errors.StripeInvalidGrantError);
    expect(unknown.message).toBe("Authorization code does not exist: ac_unknown");
  });

  it("sends a declining merchant back with the queued error", async () => {
    emulator.queueAuthorization({ error: "access_denied", error_description: "The user denied your request" });
    const back = await authorize({ state: "s2" });
    expect(Object.fromEntries(back.searchParams)).toEqual({ error: "access_denied", error_description: "The user denied your request", state: "s2" });
  });

  it("shows the account chooser when nothing is queued; choosing an account, a new one or Deny redirects as Stripe does", async () => {
    const params = new URLSearchParams({ response_type: "code", client_id: emulator.clientId, redirect_uri: REDIRECT, state: "s3", scope: "read_write" });
    const page = await fetch(`${emulator.url}/oauth/authorize?${params}`, { redirect: "manual" });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const html = await page.text();
    const [demo, second] = emulator.accounts;
    expect(demo.displayName).toBe("Demo Shop");
    expect(second.displayName).toBe("Second Shop");
    for (const a of [demo, second]) expect(html).toContain(`value="${a.accountId}"`);
    expect(html).toContain("Create a new account");
    expect(html).toContain("Deny");
    const query = /name="query" value="([^"]*)"/.exec(html)?.[1]?.replaceAll("&amp;", "&") ?? "";

    const choose = async (account: string) => {
      const res = await fetch(`${emulator.url}/oauth/authorize`, { method: "POST", redirect: "manual", body: new URLSearchParams({ query, account }) });
      expect(res.status).toBe(302);
      return new URL(res.headers.get("location") ?? "");
    };
    const chosen = await choose(second.accountId);
    expect(`${chosen.origin}${chosen.pathname}`).toBe(REDIRECT);
    expect(chosen.searchParams.get("state")).toBe("s3");
    expect(chosen.searchParams.get("scope")).toBe("read_write");
    const token = await client(emulator.platformKey).oauth.token({ grant_type: "authorization_code", code: chosen.searchParams.get("code") ?? "" });
    expect(token.stripe_user_id).toBe(second.accountId);

    const fresh = await choose("new");
    const freshToken = await client(emulator.platformKey).oauth.token({ grant_type: "authorization_code", code: fresh.searchParams.get("code") ?? "" });
    expect([demo.accountId, second.accountId]).not.toContain(freshToken.stripe_user_id);

    const denied = await choose("deny");
    expect(Object.fromEntries(denied.searchParams)).toEqual({ error: "access_denied", error_description: "The user denied your request", state: "s3" });
  });

  it("refuses an unregistered redirect_uri before showing anything", async () => {
    const params = new URLSearchParams({ response_type: "code", client_id: emulator.clientId, redirect_uri: "https://evil.test/cb", state: "s3" });
    const res = await fetch(`${emulator.url}/oauth/authorize?${params}`, { redirect: "manual" });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "invalid_redirect_uri", state: "s3" });
  });

  it("refuses webhook endpoints on a connected account, by Stripe-Account header or by its token", async () => {
    const { accountId, token } = await connectMerchant();
    const viaHeader = await rejection(
      client(emulator.platformKey, { stripeAccount: accountId }).webhookEndpoints.create({ url: "https://icodrip.test/w", enabled_events: ["*"] }),
    );
    expect(viaHeader).toBeInstanceOf(Stripe.errors.StripePermissionError);
    expect(viaHeader.message).toBe(
      "You are not permitted to configure webhook endpoints on a connected account. Did you mean to create a Connect webhook on your account instead?",
    );
    const viaToken = await rejection(client(token.access_token ?? "").webhookEndpoints.create({ url: "https://icodrip.test/w", enabled_events: ["*"] }));
    expect(viaToken.message).toBe(viaHeader.message);
    expect(emulator.webhookEndpoints(accountId)).toEqual([]);
  });

  it("deauthorizes: the token answers 401 and Stripe-Account answers 403 afterwards", async () => {
    const { accountId, token } = await connectMerchant();
    const platform = client(emulator.platformKey);
    expect(await platform.oauth.deauthorize({ client_id: emulator.clientId, stripe_user_id: accountId })).toMatchObject({ stripe_user_id: accountId });
    expect(emulator.isConnected(accountId)).toBe(false);

    const byToken = await rejection(client(token.access_token ?? "").accounts.retrieveCurrent());
    expect(byToken).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(byToken).toMatchObject({ statusCode: 401, code: "api_key_expired" });
    const byHeader = await rejection(client(emulator.platformKey, { stripeAccount: accountId }).accounts.retrieveCurrent());
    expect(byHeader).toBeInstanceOf(Stripe.errors.StripePermissionError);
    expect(byHeader).toMatchObject({ statusCode: 403, code: "account_invalid" });
    expect(byHeader.message).toContain(`does not have access to account '${accountId}' (or that account does not exist). Application access may have been revoked.`);

    const again = await rejection(platform.oauth.deauthorize({ client_id: emulator.clientId, stripe_user_id: accountId }));
    expect(again).toBeInstanceOf(Stripe.errors.StripeInvalidClientError);
  });
});

describe("checkout sessions", () => {
  it("records the create params on the account the session was made for", async () => {
    const { accountId } = await connectMerchant();
    const stripe = client(emulator.platformKey, { stripeAccount: accountId });
    const session = await stripe.checkout.sessions.create({
      mode: "subscription",
      line_items: [{ price_data: { currency: "usd", unit_amount: 2500, product_data: { name: "Pro" }, recurring: { interval: "month" } }, quantity: 2 }],
      success_url: "https://shop.test/ok",
      client_reference_id: "icd_abc123",
      customer_email: "buyer@example.com",
      metadata: { icodrip_click: "icd_abc123" },
      subscription_data: { metadata: { icodrip_click: "icd_abc123" } },
    });
    expect(session).toMatchObject({
      object: "checkout.session",
      mode: "subscription",
      client_reference_id: "icd_abc123",
      customer_email: "buyer@example.com",
      metadata: { icodrip_click: "icd_abc123" },
      amount_total: 5000,
      currency: "usd",
      status: "open",
    });
    expect(session.id).toMatch(/^cs_test_/);
    expect(session.url).toContain(session.id);

    const recorded = emulator.checkoutSessions.find((s) => s.id === session.id);
    expect(recorded).toMatchObject({
      account: accountId,
      params: { client_reference_id: "icd_abc123", customer_email: "buyer@example.com", subscription_data: { metadata: { icodrip_click: "icd_abc123" } } },
    });
    expect((await stripe.checkout.sessions.retrieve(session.id)).id).toBe(session.id);
    expect(emulator.requests.some((r) => r.method === "POST" && r.path === "/v1/checkout/sessions" && r.account === accountId && r.status === 200)).toBe(true);
  });

  it("refuses customer and customer_email together, as Stripe does", async () => {
    const error = await rejection(
      client(emulator.platformKey).checkout.sessions.create({ mode: "payment", success_url: "https://s.test", customer: "cus_1", customer_email: "a@b.test" }),
    );
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error.message).toBe("You may only specify one of these parameters: customer, customer_email.");
  });
});
