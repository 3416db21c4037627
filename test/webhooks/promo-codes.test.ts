import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { seal } from "../../server/crypto/seal.js";
import { hashApiKey } from "../../server/domain/password.js";
import { affiliateOut, conversionOut, deliveryOut, pageOf, programOut, promoCodeOut } from "../../server/http/present.js";
import { startStripeSandbox, type StripeSandbox } from "../../sandbox/index.js";
import { eventJson } from "../../sandbox/render.js";
import { signup, startTestServer, type TestServer } from "../support/server.js";
import { deliver } from "../support/stripe-events.js";
import { storeKinds } from "../support/stores.js";

// Promotion codes through real Stripe shapes: the sandbox makes the coupons, codes, sessions,
// subscriptions and events; each event is delivered to Icodrip as Stripe renders it for an
// endpoint on an API version before 2025-01-27 (no Session.discounts: Icodrip reads
// total_details.breakdown from the sandbox) and on the newest; the conversions are read back
// through the API, on both stores.

const SECRET = "test-secret-test-secret-test-secret-0123";
const ACCOUNT_SECRET = "whsec_promocodesaccountsecret";
const VERSIONS = [
  { name: "2024-06-20 (before Session.discounts)", version: "2024-06-20" },
  { name: "2026-10-28.endive", version: "2026-10-28.endive" },
] as const;

const conversionPage = pageOf(conversionOut);
const deliveryPage = pageOf(deliveryOut);
type Conversion = z.infer<typeof conversionOut>;

interface Merchant {
  key: string;
  accountId: string;
  stripe: Stripe;
  ann: z.infer<typeof affiliateOut>;
  bob: z.infer<typeof affiliateOut>;
  programKey: string;
}

for (const kind of storeKinds) {
  describe.runIf(kind.available)(`promotion codes in webhooks on the ${kind.name} store`, () => {
    let server: TestServer;
    let sandbox: StripeSandbox;

    beforeAll(async () => {
      sandbox = await startStripeSandbox();
      server = await startTestServer(kind, { ICODRIP_SECRET: SECRET, STRIPE_API_URL: sandbox.url, STRIPE_CONNECT_URL: sandbox.url });
    });
    afterAll(async () => {
      await server.stop();
      await sandbox.close();
    });

    async function workspaceOf(key: string): Promise<string> {
      const workspace = await server.store.workspaceByApiKeyHash(hashApiKey(key));
      if (!workspace) throw new Error("the key's workspace is gone");
      return workspace.id;
    }

    /** The subscription the sandbox made on the merchant's account. */
    function subscriptionOf(m: Merchant): string {
      const created = sandbox.events.find((e) => e.accountId === m.accountId && e.type === "customer.subscription.created");
      if (!created) throw new Error("no subscription was made");
      return created.object.current.id;
    }

    const call = async (method: string, path: string, key: string, body?: object) => (await server.api(method, path, { key, body })).body as unknown;

    /** A workspace with affiliates Ann and Bob, connected to a fresh sandbox account by its restricted key. */
    async function merchant(recurring: object = { type: "months", months: 12 }): Promise<Merchant> {
      const key = await signup(server);
      const program = programOut.parse(await call("POST", "/api/v1/programs", key, { name: "Main", url: "https://shop.example.com", commission: { type: "percent", percent: 30 }, recurring }));
      const ann = affiliateOut.parse(await call("POST", "/api/v1/affiliates", key, { programId: program.id, name: "Ann", email: "ann@example.com", code: "ann" }));
      const bob = affiliateOut.parse(await call("POST", "/api/v1/affiliates", key, { programId: program.id, name: "Bob", email: "bob@example.com", code: "bob" }));
      const account = sandbox.createAccount();
      const workspaceId = await workspaceOf(key);
      await server.store.putConnection({
        workspaceId,
        accountId: account.accountId,
        livemode: false,
        method: "restricted_key",
        sealedToken: seal(SECRET, "stripe-token", account.restrictedKey),
        webhook: { id: "we_promo", url: `${server.url}/webhooks/stripe/${account.accountId}`, enabledEvents: [], sealedSecret: seal(SECRET, "webhook-secret", ACCOUNT_SECRET) },
        status: "connected",
        lastEventAt: null,
        problem: null,
        connectedAt: Date.now(),
      });
      return { key, accountId: account.accountId, stripe: new Stripe(account.secretKey, { ...sandbox.stripeConfig }), ann, bob, programKey: program.key };
    }

    async function promotionCode(m: Merchant, code: string, coupon: Stripe.CouponCreateParams = { percent_off: 20, duration: "forever" }) {
      const c = await m.stripe.coupons.create(coupon);
      return m.stripe.promotionCodes.create({ promotion: { type: "coupon", coupon: c.id }, code });
    }

    const tie = async (m: Merchant, body: object) => promoCodeOut.parse(await call("POST", "/api/v1/promo-codes", m.key, body));

    async function clickFor(m: Merchant, code: string): Promise<string> {
      const res = await server.api("POST", "/t/click", {
        body: JSON.stringify({ program: m.programKey, code, url: "https://shop.example.com/", referrer: null }),
        headers: { "content-type": "text/plain", "user-agent": `agent-${String(Math.random())}` },
      });
      return z.object({ clickId: z.string() }).parse(res.body).clickId;
    }

    /** A Checkout Session paid on the sandbox; answers its id. */
    async function buy(
      m: Merchant,
      o: { email: string; promotionCode?: string; typed?: string; clientReferenceId?: string; mode?: "payment" | "subscription" },
    ): Promise<string> {
      const mode = o.mode ?? "payment";
      const session = await m.stripe.checkout.sessions.create({
        mode,
        line_items: [{ price_data: { currency: "usd", unit_amount: 10_000, product_data: { name: "Plan" }, ...(mode === "subscription" ? { recurring: { interval: "month" } } : {}) }, quantity: 1 }],
        success_url: "https://shop.example.com/thanks",
        customer_email: o.email,
        ...(o.clientReferenceId ? { client_reference_id: o.clientReferenceId } : {}),
        ...(o.promotionCode ? { discounts: [{ promotion_code: o.promotionCode }] } : { allow_promotion_codes: true }),
      });
      const paid = sandbox.pay(session.id, { email: o.email, promotionCode: o.typed });
      expect(paid.ok).toBe(true);
      return session.id;
    }

    /** The sandbox's events of an object, rendered as Stripe renders them for an endpoint on `version`. */
    function eventsOf(m: Merchant, type: string, objectId: string | null, version: string) {
      return sandbox.events
        .filter((e) => e.accountId === m.accountId && e.type === type && (objectId === null || e.object.current.id === objectId))
        .map((e) => eventJson(e, version, null));
    }

    const post = (m: Merchant, evt: object) => deliver(`${server.url}/webhooks/stripe/${m.accountId}`, evt, ACCOUNT_SECRET) as Promise<{ status: number; body: unknown }>;
    const outcome = (answer: { body: unknown }) => z.object({ outcome: z.string() }).parse(answer.body).outcome;

    async function deliverSession(m: Merchant, sessionId: string, version: string) {
      const [evt] = eventsOf(m, "checkout.session.completed", sessionId, version);
      return post(m, evt);
    }

    const conversions = async (m: Merchant): Promise<Conversion[]> => conversionPage.parse(await call("GET", "/api/v1/conversions?limit=100", m.key)).data;
    const sessionReads = (m: Merchant, sessionId: string) => sandbox.requests.filter((r) => r.account === m.accountId && r.method === "GET" && r.path === `/v1/checkout/sessions/${sessionId}`).length;

    for (const { name, version } of VERSIONS) {
      describe(`events rendered at ${name}`, () => {
        it("credits the affiliate a code is tied to by its promo_ id, naming the code", async () => {
          const m = await merchant();
          const promo = await promotionCode(m, "SPRING24");
          await tie(m, { affiliateId: m.ann.id, code: "SPRING24", stripePromotionCodeId: promo.id });
          const sessionId = await buy(m, { email: "carol@example.com", promotionCode: promo.id });
          expect(outcome(await deliverSession(m, sessionId, version))).toBe("processed");
          const [c] = await conversions(m);
          expect(c).toMatchObject({ affiliateId: m.ann.id, clickId: null, matchedBy: "promo_code", amount: 8_000, commission: { amount: 2_400, currency: "usd" }, selfReferral: false });
          expect(c.matchDetail).toBe(`Matched by promotion code SPRING24 (${promo.id}) tied to affiliate ann (${m.ann.id}).`);
          // The newest shape names the code's id on the session: tied by id, nothing is read.
          expect(sessionReads(m, sessionId)).toBe(version === "2024-06-20" ? 1 : 0);
        });

        it("credits by the code's text when the customer types it on the hosted page, whatever its case", async () => {
          const m = await merchant();
          await promotionCode(m, "FRIENDS");
          await tie(m, { affiliateId: m.bob.id, code: "friends" });
          const sessionId = await buy(m, { email: "dan@example.com", typed: "Friends" });
          expect(outcome(await deliverSession(m, sessionId, version))).toBe("processed");
          const [c] = await conversions(m);
          expect(c).toMatchObject({ affiliateId: m.bob.id, matchedBy: "promo_code", amount: 8_000 });
          expect(c.matchDetail).toContain("FRIENDS");
        });

        it("stops attributing by a code once its tie is deleted", async () => {
          const m = await merchant();
          const promo = await promotionCode(m, "GONE10");
          const tied = await tie(m, { affiliateId: m.ann.id, code: "GONE10", stripePromotionCodeId: promo.id });
          // Another tie keeps the workspace "using codes", so the code is still looked at.
          await tie(m, { affiliateId: m.bob.id, code: "OTHER" });
          expect((await server.api("DELETE", `/api/v1/promo-codes/${tied.id}`, { key: m.key })).status).toBe(204);
          const sessionId = await buy(m, { email: "erin@example.com", promotionCode: promo.id });
          expect(outcome(await deliverSession(m, sessionId, version))).toBe("unattributed");
          const [c] = await conversions(m);
          expect(c).toMatchObject({ affiliateId: null, matchedBy: null, status: "unattributed" });
          expect(c.reason).toContain("GONE10");
        });

        it("lets a click id on the session beat a code, without reading Stripe", async () => {
          const m = await merchant();
          const promo = await promotionCode(m, "ANN20");
          await tie(m, { affiliateId: m.ann.id, code: "ANN20" });
          const clickId = await clickFor(m, "bob");
          const sessionId = await buy(m, { email: "fay@example.com", promotionCode: promo.id, clientReferenceId: clickId });
          expect(outcome(await deliverSession(m, sessionId, version))).toBe("processed");
          const [c] = await conversions(m);
          expect(c).toMatchObject({ affiliateId: m.bob.id, clickId, matchedBy: "client_reference_id" });
          expect(sandbox.requests.filter((r) => r.account === m.accountId && r.method === "GET" && r.path.startsWith("/v1/promotion_codes")).length + sessionReads(m, sessionId)).toBe(0);
        });

        it("lets a code beat a lead's email", async () => {
          const m = await merchant();
          const promo = await promotionCode(m, "ANNCODE");
          await tie(m, { affiliateId: m.ann.id, code: "ANNCODE", stripePromotionCodeId: promo.id });
          const bobsClick = await clickFor(m, "bob");
          expect((await server.api("POST", "/api/v1/leads", { key: m.key, body: { clickId: bobsClick, email: "gus@example.com" } })).status).toBe(201);
          const sessionId = await buy(m, { email: "gus@example.com", promotionCode: promo.id });
          expect(outcome(await deliverSession(m, sessionId, version))).toBe("processed");
          expect((await conversions(m))[0]).toMatchObject({ affiliateId: m.ann.id, matchedBy: "promo_code" });
        });

        it("flags the affiliate using their own code with their own email as a self-referral", async () => {
          const m = await merchant();
          const promo = await promotionCode(m, "SELFIE");
          await tie(m, { affiliateId: m.ann.id, code: "SELFIE", stripePromotionCodeId: promo.id });
          const sessionId = await buy(m, { email: "ann@example.com", promotionCode: promo.id });
          expect(outcome(await deliverSession(m, sessionId, version))).toBe("processed");
          expect((await conversions(m))[0]).toMatchObject({ affiliateId: m.ann.id, matchedBy: "promo_code", selfReferral: true, commission: { amount: 0 } });
        });

        it("keeps a subscription started with a code on that affiliate for its renewals", async () => {
          const m = await merchant();
          const promo = await promotionCode(m, "SUBS");
          await tie(m, { affiliateId: m.ann.id, code: "SUBS", stripePromotionCodeId: promo.id });
          const sessionId = await buy(m, { email: "hal@example.com", promotionCode: promo.id, mode: "subscription" });
          expect(outcome(await deliverSession(m, sessionId, version))).toBe("processed");
          const [firstInvoice] = eventsOf(m, "invoice.paid", null, version);
          expect(outcome(await post(m, firstInvoice))).toBe("processed");
          sandbox.advanceSubscription(subscriptionOf(m));
          const renewal = eventsOf(m, "invoice.paid", null, version)[1];
          expect(outcome(await post(m, renewal))).toBe("processed");
          const all = await conversions(m);
          expect(all.map((c) => [c.kind, c.affiliateId, c.matchedBy, c.amount]).sort()).toEqual([
            ["first", m.ann.id, "promo_code", 8_000],
            ["renewal", m.ann.id, "promo_code", 8_000],
          ]);
        });

        it("ties the customer through a zero-amount first invoice (a free first month) whose discount carries the code", async () => {
          const m = await merchant();
          const promo = await promotionCode(m, "FREEMONTH", { percent_off: 100, duration: "once" });
          await tie(m, { affiliateId: m.bob.id, code: "FREEMONTH" });
          await buy(m, { email: "ida@example.com", promotionCode: promo.id, mode: "subscription" });
          // Only the invoices arrive (a subscription made outside Checkout would send no session).
          const [trial] = eventsOf(m, "invoice.paid", null, version);
          expect(outcome(await post(m, trial))).toBe("ignored");
          sandbox.advanceSubscription(subscriptionOf(m));
          const renewal = eventsOf(m, "invoice.paid", null, version)[1];
          expect(outcome(await post(m, renewal))).toBe("processed");
          const [c] = await conversions(m);
          expect(c).toMatchObject({ affiliateId: m.bob.id, matchedBy: "promo_code", amount: 10_000, kind: "first" });
        });
      });
    }

    it("answers 5xx and records nothing while Stripe cannot be read, then applies the retry exactly once", async () => {
      const m = await merchant();
      const promo = await promotionCode(m, "RETRY");
      await tie(m, { affiliateId: m.ann.id, code: "RETRY" });
      const sessionId = await buy(m, { email: "jo@example.com", promotionCode: promo.id });
      const [evt] = eventsOf(m, "checkout.session.completed", sessionId, "2024-06-20");
      const apiUrl = server.ctx.config.stripe.apiUrl;
      // A port nothing listens on: the connection is refused at once.
      server.ctx.config.stripe.apiUrl = "http://127.0.0.1:9";
      try {
        const failed = await post(m, evt);
        expect(failed.status).toBe(503);
        expect(z.object({ error: z.object({ code: z.string(), message: z.string() }) }).parse(failed.body).error).toMatchObject({ code: "stripe_unreachable", message: expect.stringContaining("Stripe will retry") as unknown });
      } finally {
        server.ctx.config.stripe.apiUrl = apiUrl;
      }
      expect(await conversions(m)).toEqual([]);
      expect(await server.store.eventRecorded(await workspaceOf(m.key), z.object({ id: z.string() }).parse(evt).id)).toBe(false);
      const log = deliveryPage.parse(await call("GET", "/api/v1/webhook-deliveries?outcome=failed", m.key)).data;
      expect(log).toHaveLength(1);
      expect(log[0].message).not.toContain("rk_test_");

      expect(outcome(await post(m, evt))).toBe("processed");
      expect(outcome(await post(m, evt))).toBe("duplicate");
      const all = await conversions(m);
      expect(all).toHaveLength(1);
      expect(all[0]).toMatchObject({ affiliateId: m.ann.id, matchedBy: "promo_code" });
    });
  });
}
