import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seal } from "../../server/crypto/seal.js";
import { hashApiKey } from "../../server/domain/password.js";
import { signup, startTestServer, type TestServer } from "../support/server.js";
import { checkoutSession, deliver, event, invoice } from "../support/stripe-events.js";
import { storeKinds } from "../support/stores.js";

// Issue 7, item 1: a stranger clicks their own affiliate code and posts a lead with someone
// else's customer email, hoping the customer's next payment is theirs. Replayed over HTTP against
// real servers, with payments as signed Stripe deliveries, on both stores.

const PLATFORM_SECRET = "whsec_leadhijacktestsecret";
const SECRET = "test-secret-test-secret-test-secret-0123";

interface Shop {
  key: string;
  programId: string;
  programKey: string;
  accountId: string;
  /** affiliate code → id */
  affiliates: Record<string, string>;
}

let n = 0;
const uniq = () => `${Date.now().toString(36)}${(n++).toString(36)}`;

async function shop(server: TestServer, attribution: "last" | "first", codes = ["ann", "mal", "bob"]): Promise<Shop> {
  const key = await signup(server);
  const program = await server.api("POST", "/api/v1/programs", {
    key,
    body: { name: "Shop", url: "https://shop.example.com", attribution, cookieDays: 30, commission: { type: "percent", percent: 10 } },
  });
  expect(program.status).toBe(201);
  const affiliates: Record<string, string> = {};
  for (const code of codes) {
    const a = await server.api("POST", "/api/v1/affiliates", { key, body: { programId: program.body.id, name: code, email: `${code}@affiliates.example`, code } });
    affiliates[code] = a.body.id;
  }
  const workspace = await server.store.workspaceByApiKeyHash(hashApiKey(key));
  const accountId = `acct_lead${uniq()}`;
  await server.store.putConnection({
    workspaceId: workspace!.id,
    accountId,
    livemode: false,
    method: "oauth",
    sealedToken: seal(SECRET, "stripe-token", "rk_test_x"),
    webhook: null,
    status: "connected",
    lastEventAt: null,
    problem: null,
    connectedAt: Date.now(),
  });
  return { key, programId: program.body.id, programKey: program.body.key, accountId, affiliates };
}

for (const kind of storeKinds) {
  describe.runIf(kind.available)(`lead hijack on the ${kind.name} store`, () => {
    let server: TestServer;

    beforeAll(async () => {
      server = await startTestServer(kind, { STRIPE_WEBHOOK_SECRET: PLATFORM_SECRET, ICODRIP_SECRET: SECRET, ICODRIP_CLICK_RATE_LIMIT: "100000" });
    });
    afterAll(async () => {
      await server.stop();
    });

    // The snippet's own requests: text/plain JSON bodies, one user agent per browser.
    const snippet = (path: string, body: object, browser: string) =>
      server.api("POST", path, { body: JSON.stringify(body), headers: { "content-type": "text/plain", "user-agent": browser } });

    /** A visit with ?via=CODE; `existing` is the click already in this browser's cookie. */
    async function visit(s: Shop, code: string, browser: string, existing?: string): Promise<string> {
      const res = await snippet("/t/click", { program: s.programKey, code, url: `https://shop.example.com/?via=${code}`, referrer: null, ...(existing ? { existing } : {}) }, browser);
      expect(res.status).toBe(200);
      return res.body.clickId;
    }

    const browserLead = (s: Shop, clickId: string, email: string, browser = "any") => snippet("/t/lead", { program: s.programKey, clickId, email }, browser);
    const serverLead = (s: Shop, body: object) => server.api("POST", "/api/v1/leads", { key: s.key, body });

    /** A paid Checkout Session by this email with no click id on it: only a lead can match it. */
    async function pay(s: Shop, email: string) {
      const session = checkoutSession({ amount: 10_000, email });
      const res = await deliver(`${server.url}/webhooks/stripe`, event("checkout.session.completed", session, { account: s.accountId }), PLATFORM_SECRET);
      expect(res.status).toBe(200);
      const list = await server.api("GET", "/api/v1/conversions?limit=100", { key: s.key });
      return list.body.data.find((c: any) => c.stripe.checkoutSessionId === session.id);
    }

    it("a stranger's later lead does not take a customer with an earlier genuine lead (last-click)", async () => {
      const s = await shop(server, "last");
      const genuine = await visit(s, "ann", "customer-browser");
      expect((await browserLead(s, genuine, "Jo@Example.com", "customer-browser")).status).toBe(202);

      // The attacker clicks their own code in their own browser and names the customer's email.
      const own = await visit(s, "mal", "attacker-browser");
      const attack = await browserLead(s, own, "jo@example.com", "attacker-browser");
      // Answered like any lead: the public endpoint does not say whether the email had one.
      expect(attack).toMatchObject({ status: 202, body: { ok: true } });
      // Even claiming to come "after" a click of their own does not make them the customer's browser.
      const chained = await visit(s, "mal", "attacker-browser-2", own);
      expect((await browserLead(s, chained, "jo@example.com", "attacker-browser-2")).status).toBe(202);

      const conversion = await pay(s, "jo@example.com");
      expect(conversion).toMatchObject({ affiliateId: s.affiliates.ann, clickId: genuine, matchedBy: "lead_email" });
      expect(conversion.matchDetail).toMatch(new RegExp(`^Matched by the lead for j…@example\\.com recorded \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z from click ${genuine} \\(browser lead\\)`));
    });

    it("keeps the first lead in a first-click program, even from the same visitor's later click", async () => {
      const s = await shop(server, "first");
      const first = await visit(s, "ann", "fc-browser");
      expect((await browserLead(s, first, "kim@example.com")).status).toBe(202);
      // The same browser later follows bob's link: the server keeps ann's click (first-click) but
      // records bob's; a lead from bob's click must not take the email either.
      const later = await visit(s, "bob", "fc-browser", first);
      expect(later).toBe(first);
      const bobClicks = await server.api("GET", `/api/v1/clicks?affiliateId=${s.affiliates.bob}`, { key: s.key });
      const bobClick = bobClicks.body.data[0];
      expect(bobClick.previousClickId).toBe(first);
      expect((await browserLead(s, bobClick.id, "kim@example.com")).status).toBe(202);
      // A stranger too.
      expect((await browserLead(s, await visit(s, "mal", "fc-stranger"), "kim@example.com")).status).toBe(202);

      expect(await pay(s, "kim@example.com")).toMatchObject({ affiliateId: s.affiliates.ann, clickId: first, matchedBy: "lead_email" });
    });

    it("lets the same visitor's later click replace the lead in a last-click program (via code and via a tracking link)", async () => {
      const s = await shop(server, "last");
      const a = await visit(s, "ann", "same-browser");
      expect((await browserLead(s, a, "lee@example.com")).status).toBe(202);
      const b = await visit(s, "bob", "same-browser", a);
      expect(b).not.toBe(a);
      expect((await browserLead(s, b, "lee@example.com")).status).toBe(202);
      expect(await pay(s, "lee@example.com")).toMatchObject({ affiliateId: s.affiliates.bob, clickId: b, matchedBy: "lead_email" });

      // Through /r/:code: the link's click is recorded first, then the snippet posts it with the
      // click its cookie held; the chain may be longer than one step (a → b → c).
      const link = await server.api("POST", "/api/v1/links", { key: s.key, body: { affiliateId: s.affiliates.mal } });
      const redirect = await server.api("GET", `/r/${link.body.code}`, { headers: { "user-agent": "same-browser" } });
      const c = new URL(redirect.headers.get("location")!).searchParams.get("icd")!;
      const kept = await snippet("/t/click", { program: s.programKey, clickId: c, existing: b, url: "https://shop.example.com/", referrer: null }, "same-browser");
      expect(kept.body.clickId).toBe(c);
      expect((await browserLead(s, a, "lee2@example.com")).status).toBe(202);
      expect((await browserLead(s, c, "lee2@example.com")).status).toBe(202);
      expect(await pay(s, "lee2@example.com")).toMatchObject({ affiliateId: s.affiliates.mal, clickId: c });
    });

    it("refuses a different visitor's replacement in a last-click program", async () => {
      const s = await shop(server, "last");
      const a = await visit(s, "ann", "visitor-one");
      expect((await browserLead(s, a, "max@example.com")).status).toBe(202);
      // Another browser, whose own cookie held some other click: its chain does not reach a.
      const other = await visit(s, "ann", "visitor-two");
      const b = await visit(s, "bob", "visitor-two", other);
      expect((await browserLead(s, b, "max@example.com")).status).toBe(202);
      expect(await pay(s, "max@example.com")).toMatchObject({ affiliateId: s.affiliates.ann, clickId: a });
    });

    it("caps a click id at 3 distinct emails with 409 lead_limit_reached, also when the leads race", async () => {
      const s = await shop(server, "last");
      const c = await visit(s, "mal", "cap-browser");
      for (const email of ["typo@exmaple.com", "typo@example.com", "third@example.com"]) {
        expect((await browserLead(s, c, email)).status).toBe(202);
      }
      const fourth = await browserLead(s, c, "fourth@example.com");
      expect(fourth).toMatchObject({ status: 409, body: { error: { code: "lead_limit_reached" } } });
      expect(fourth.body.error.message).toContain("3 different emails");
      // An email the click named already is not a new one.
      expect((await browserLead(s, c, "TYPO@example.com")).status).toBe(202);
      expect(await pay(s, "fourth@example.com")).toMatchObject({ affiliateId: null, matchedBy: null, matchDetail: null });

      // Ten emails at once from one fresh click: exactly three get through.
      const racing = await visit(s, "mal", "cap-race");
      const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => browserLead(s, racing, `race${i}@example.com`)));
      expect(answers.filter((r) => r.status === 202)).toHaveLength(3);
      expect(answers.filter((r) => r.status === 409)).toHaveLength(7);
    });

    it("lets two racing leads for one email from different visitors leave exactly one, the payment going to it", async () => {
      const s = await shop(server, "last");
      const clicks = await Promise.all(["ann", "mal", "bob", "ann", "mal", "bob"].map((code, i) => visit(s, code, `racer-${i}`)));
      await Promise.all(clicks.map((c) => browserLead(s, c, "race@example.com")));
      const workspace = await server.store.workspaceByApiKeyHash(hashApiKey(s.key));
      const winner = await server.store.leadByEmail(workspace!.id, "race@example.com");
      expect(clicks).toContain(winner!.clickId);
      // Once one has won, none of the others replaces it (each tries again, one after another).
      for (const c of clicks.filter((c) => c !== winner!.clickId)) await browserLead(s, c, "race@example.com");
      expect((await server.store.leadByEmail(workspace!.id, "race@example.com"))!.clickId).toBe(winner!.clickId);
      expect(await pay(s, "race@example.com")).toMatchObject({ clickId: winner!.clickId });
    });

    it("a server lead replaces a browser lead for the email", async () => {
      const s = await shop(server, "first");
      const a = await visit(s, "ann", "srv-1");
      expect((await browserLead(s, a, "pat@example.com")).status).toBe(202);
      const b = await visit(s, "bob", "srv-2");
      const res = await serverLead(s, { clickId: b, email: " Pat@Example.com " });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ clickId: b, email: "pat@example.com", programId: s.programId, source: "server" });
      expect(res.body).not.toHaveProperty("workspaceId");
      // The same call again changes nothing.
      expect((await serverLead(s, { clickId: b, email: "pat@example.com", programId: s.programId })).status).toBe(200);

      const conversion = await pay(s, "pat@example.com");
      expect(conversion).toMatchObject({ affiliateId: s.affiliates.bob, clickId: b, matchedBy: "lead_email" });
      expect(conversion.matchDetail).toContain(`from click ${b} (server lead)`);
    });

    it("a browser lead never replaces a server lead, even from the same visitor in a last-click program", async () => {
      const s = await shop(server, "last");
      const a = await visit(s, "ann", "srv-first");
      expect((await serverLead(s, { clickId: a, email: "sam@example.com" })).status).toBe(201);
      const b = await visit(s, "bob", "srv-first", a);
      expect((await browserLead(s, b, "sam@example.com")).status).toBe(202);
      expect((await browserLead(s, await visit(s, "mal", "srv-stranger"), "sam@example.com")).status).toBe(202);
      expect(await pay(s, "sam@example.com")).toMatchObject({ affiliateId: s.affiliates.ann, clickId: a, matchedBy: "lead_email" });
    });

    it("checks the server lead: its schema, the key, the click's workspace and program", async () => {
      const s = await shop(server, "last");
      const other = await shop(server, "last");
      const c = await visit(s, "ann", "check-browser");
      const foreign = await visit(other, "ann", "check-other");
      expect((await server.api("POST", "/api/v1/leads", { body: { clickId: c, email: "a@example.com" } })).status).toBe(401);
      expect((await serverLead(s, { clickId: foreign, email: "a@example.com" }))).toMatchObject({ status: 404, body: { error: { code: "click_not_found" } } });
      expect((await serverLead(s, { clickId: c, email: "a@example.com", programId: other.programId })).status).toBe(404);
      expect((await serverLead(s, { clickId: c, email: "not-an-email" }))).toMatchObject({ status: 400, body: { error: { fields: { email: expect.any(String) } } } });
      expect((await serverLead(s, { clickId: "nope", email: "a@example.com" })).status).toBe(400);
      expect((await serverLead(s, { clickId: c, email: "a@example.com", extra: 1 })).status).toBe(400);
      expect((await serverLead(s, { email: "a@example.com" })).body.error.fields).toHaveProperty("clickId");
    });

    it("explains a subscription's invoices by the referral its session linked, or by the subscription's metadata", async () => {
      const s = await shop(server, "last");
      const c = await visit(s, "ann", "sub-browser");
      expect((await browserLead(s, c, "subs@example.com")).status).toBe(202);
      const [customer, subscription] = [`cus_${uniq()}`, `sub_${uniq()}`];
      const platform = `${server.url}/webhooks/stripe`;
      await deliver(platform, event("checkout.session.completed", checkoutSession({ mode: "subscription", email: "subs@example.com", customer, subscription }), { account: s.accountId }), PLATFORM_SECRET);
      const paid = invoice({ amountPaid: 5_000, customer, subscription, email: "subs@example.com" });
      await deliver(platform, event("invoice.paid", paid, { account: s.accountId }), PLATFORM_SECRET);
      const list = async () => (await server.api("GET", "/api/v1/conversions?limit=100", { key: s.key })).body.data as any[];
      const first = (await list()).find((x) => x.stripe.invoiceId === paid.id);
      expect(first).toMatchObject({ matchedBy: "lead_email", clickId: c, affiliateId: s.affiliates.ann });
      expect(first.matchDetail).toContain(`Matched by the lead for s…@example.com recorded`);

      const bySubscription = invoice({ amountPaid: 5_000, customer: `cus_${uniq()}`, subscription: `sub_${uniq()}`, metadata: { icodrip_click: c } });
      await deliver(platform, event("invoice.paid", bySubscription, { account: s.accountId }), PLATFORM_SECRET);
      const second = (await list()).find((x) => x.stripe.invoiceId === bySubscription.id);
      expect(second).toMatchObject({ matchedBy: "metadata", clickId: c });
      expect(second.matchDetail).toContain(`Matched by click ${c} in the subscription's metadata (icodrip_click)`);
    });

    it("explains every kind of match on the conversion", async () => {
      const s = await shop(server, "last");
      const c = await visit(s, "ann", "explain-browser");
      const deliverSession = async (o: Parameters<typeof checkoutSession>[0]) => {
        const session = checkoutSession(o);
        await deliver(`${server.url}/webhooks/stripe`, event("checkout.session.completed", session, { account: s.accountId }), PLATFORM_SECRET);
        return (await server.api("GET", "/api/v1/conversions?limit=100", { key: s.key })).body.data.find((x: any) => x.stripe.checkoutSessionId === session.id);
      };
      const byReference = await deliverSession({ clientReferenceId: c, email: "ref@example.com" });
      expect(byReference).toMatchObject({ matchedBy: "client_reference_id" });
      expect(byReference.matchDetail).toMatch(new RegExp(`^Matched by click ${c} in the Checkout Session's client_reference_id, clicked \\d{4}-`));
      const byMetadata = await deliverSession({ metadata: { icodrip_click: c } });
      expect(byMetadata.matchDetail).toContain(`Matched by click ${c} in the payment's metadata (icodrip_click)`);
      // ref@example.com paid with click c before: a later payment by that email finds it.
      const byEmail = await deliverSession({ email: "ref@example.com" });
      expect(byEmail).toMatchObject({ matchedBy: "click_email", clickId: c });
      expect(byEmail.matchDetail).toContain(`Matched by click ${c}, which an earlier payment by r…@example.com was credited to`);
      const nobody = await deliverSession({ email: "nobody@example.com" });
      expect(nobody).toMatchObject({ matchedBy: null, matchDetail: null });
      const manual = await server.api("POST", `/api/v1/conversions/${nobody.id}/attribute`, { key: s.key, body: { affiliateId: s.affiliates.bob } });
      expect(manual.body).toMatchObject({ matchedBy: "manual" });
      expect(manual.body.matchDetail).toMatch(/^Attributed by hand to affiliate bob on \d{4}-/);
    });
  });
}
