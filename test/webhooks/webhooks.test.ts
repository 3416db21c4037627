import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/server.js";
import { ACCOUNT_SECRET, click, merchant, PLATFORM_SECRET, SECRET, type Setup } from "../support/merchant.js";
import { charge, checkoutSession, deliver, event, invoice, invoicePayment, sign } from "../support/stripe-events.js";
import { storeKinds } from "../support/stores.js";

// Signed deliveries posted over HTTP to a running server; the resulting conversions asserted
// through the API, on both stores.

async function conversions(server: TestServer, m: Setup, query = "") {
  const res = await server.api("GET", `/api/v1/conversions?limit=100${query}`, { key: m.key });
  return res.body.data as any[];
}

async function deliveries(server: TestServer, m: Setup, query = "") {
  const res = await server.api("GET", `/api/v1/webhook-deliveries?limit=100${query}`, { key: m.key });
  return res.body.data as any[];
}

for (const kind of storeKinds) {
  describe.runIf(kind.available)(`Stripe webhooks on the ${kind.name} store`, () => {
    let server: TestServer;
    let platformUrl: string;
    let n = 0;
    const account = () => `acct_${kind.name}${Date.now().toString(36)}${n++}`;

    beforeAll(async () => {
      server = await startTestServer(kind, { STRIPE_WEBHOOK_SECRET: PLATFORM_SECRET, ICODRIP_SECRET: SECRET });
      platformUrl = `${server.url}/webhooks/stripe`;
    });
    afterAll(async () => {
      await server.stop();
    });

    // A delivery with a declared length is answered in front of Express (server/http/shortcut.ts);
    // one sent in chunks goes through Express's route. Both doors answer alike and share the
    // record of applied events.
    it("answers a delivery alike through either door, and applies it once", async () => {
      const m = await merchant(server, account());
      const clickId = await click(server, m);
      const payload = JSON.stringify(event("checkout.session.completed", checkoutSession({ amount: 5_000, clientReferenceId: clickId }), { account: m.accountId }));
      const post = async (body: string, signature: string, chunked: boolean) => {
        const res = await fetch(platformUrl, {
          method: "POST",
          headers: { "content-type": "application/json", "stripe-signature": signature },
          body: chunked ? new Blob([body]).stream() : body,
          ...(chunked ? { duplex: "half" } : {}),
        });
        return { status: res.status, type: res.headers.get("content-type"), nosniff: res.headers.get("x-content-type-options"), body: (await res.json()) as unknown };
      };
      const json = { type: "application/json; charset=utf-8", nosniff: "nosniff" };
      expect(await post(payload, sign(payload, PLATFORM_SECRET), false)).toEqual({ status: 200, ...json, body: { received: true, outcome: "processed" } });
      expect(await post(payload, sign(payload, PLATFORM_SECRET), true)).toEqual({ status: 200, ...json, body: { received: true, outcome: "duplicate" } });
      for (const chunked of [false, true]) {
        const forged = await post(payload, sign(payload, "whsec_not_ours"), chunked);
        expect(forged).toMatchObject({ status: 401, ...json, body: { error: { code: "invalid_signature" } } });
      }
      expect(await conversions(server, m)).toHaveLength(1);
    });

    it("turns a paid Checkout Session with the click id into one conversion with the right commission", async () => {
      const m = await merchant(server, account());
      const clickId = await click(server, m);
      const session = checkoutSession({ amount: 12_345, clientReferenceId: clickId, email: "Buyer@Example.com", customer: "cus_1" });
      const res = await deliver(platformUrl, event("checkout.session.completed", session, { account: m.accountId }), PLATFORM_SECRET);
      expect(res).toEqual({ status: 200, body: { received: true, outcome: "processed" } });
      const [conversion] = await conversions(server, m);
      expect(conversion).toMatchObject({
        programId: m.programId,
        affiliateId: m.affiliateId,
        clickId,
        amount: 12_345,
        currency: "usd",
        commission: { amount: 3_704, currency: "usd" },
        status: "pending",
        livemode: false,
        matchedBy: "client_reference_id",
        reason: null,
        refundedAmount: 0,
        stripe: { accountId: m.accountId, checkoutSessionId: session.id, paymentIntentId: session.payment_intent, customerId: "cus_1" },
      });
      const [log] = await deliveries(server, m);
      expect(log).toMatchObject({ type: "checkout.session.completed", accountId: m.accountId, outcome: "processed", apiVersion: "2026-10-28.endive" });
      expect(log.message).toContain("credited");
    });

    it("counts one event once when it is delivered again, and when 50 deliveries race", async () => {
      const m = await merchant(server, account());
      const clickId = await click(server, m);
      const evt = event("checkout.session.completed", checkoutSession({ clientReferenceId: clickId }), { account: m.accountId });
      const first = await deliver(platformUrl, evt, PLATFORM_SECRET);
      const again = await deliver(platformUrl, evt, PLATFORM_SECRET);
      expect(first.body.outcome).toBe("processed");
      expect(again).toEqual({ status: 200, body: { received: true, outcome: "duplicate" } });

      const racing = event("checkout.session.completed", checkoutSession({ clientReferenceId: clickId, amount: 500 }), { account: m.accountId });
      const answers = await Promise.all(Array.from({ length: 50 }, () => deliver(platformUrl, racing, PLATFORM_SECRET)));
      expect(answers.every((a) => a.status === 200)).toBe(true);
      expect(answers.filter((a) => a.body.outcome === "processed")).toHaveLength(1);
      expect(await conversions(server, m)).toHaveLength(2);
      expect(await deliveries(server, m, "&outcome=duplicate")).toHaveLength(50);
    });

    it("notes the last event time of a connection once when many of its deliveries arrive together", async () => {
      const m = await merchant(server, account());
      const clickId = await click(server, m);
      const touch = server.store.touchConnection.bind(server.store);
      let touches = 0;
      server.store.touchConnection = (...args) => (touches++, touch(...args));
      try {
        const events = Array.from({ length: 20 }, (_, i) => event("checkout.session.completed", checkoutSession({ clientReferenceId: clickId, amount: 100 + i }), { account: m.accountId }));
        const answers = await Promise.all(events.map((evt) => deliver(platformUrl, evt, PLATFORM_SECRET)));
        expect(answers.map((a) => a.body.outcome)).toEqual(events.map(() => "processed"));
      } finally {
        server.store.touchConnection = touch;
      }
      expect(touches).toBe(1);
      expect((await server.store.connectionByAccount(m.accountId, false))?.lastEventAt).toEqual(expect.any(Number));
      expect(await conversions(server, m)).toHaveLength(20);
    });

    it("refuses a bad or stale signature with 401 and logs it as rejected", async () => {
      const m = await merchant(server, account(), "restricted_key");
      const url = `${server.url}/webhooks/stripe/${m.accountId}`;
      const evt = event("checkout.session.completed", checkoutSession({}), {});
      const wrong = await deliver(url, evt, "whsec_wrong");
      expect(wrong.status).toBe(401);
      expect(wrong.body.error.code).toBe("invalid_signature");
      const stale = await deliver(url, evt, ACCOUNT_SECRET, { timestamp: Math.floor(Date.now() / 1000) - 400 });
      expect(stale.status).toBe(401);
      expect(stale.body.error.message).toMatch(/tolerance/i);
      const rejected = await deliveries(server, m, "&outcome=rejected");
      expect(rejected).toHaveLength(2);
      expect(await conversions(server, m)).toHaveLength(0);
      const good = await deliver(url, evt, ACCOUNT_SECRET);
      expect(good.status).toBe(200);
      expect((await conversions(server, m))[0]).toMatchObject({ status: "unattributed", stripe: { accountId: m.accountId } });
    });

    it("keeps a payment that matches nobody as unattributed with the reason, and lets the merchant attribute it", async () => {
      const m = await merchant(server, account());
      const res = await deliver(platformUrl, event("checkout.session.completed", checkoutSession({ amount: 2_000, email: "nobody@example.com" }), { account: m.accountId }), PLATFORM_SECRET);
      expect(res.body.outcome).toBe("unattributed");
      const [conversion] = await conversions(server, m);
      expect(conversion).toMatchObject({ affiliateId: null, status: "unattributed", commission: { amount: 0 } });
      expect(conversion.reason).toMatch(/nobody@example.com/);
      const attributed = await server.api("POST", `/api/v1/conversions/${conversion.id}/attribute`, { key: m.key, body: { affiliateId: m.affiliateId } });
      expect(attributed.body).toMatchObject({ affiliateId: m.affiliateId, matchedBy: "manual", commission: { amount: 600 }, status: "pending", reason: null });
      expect((await conversions(server, m, `&affiliateId=${m.affiliateId}`)).map((c) => c.id)).toEqual([conversion.id]);
    });

    it("matches by a lead's email, case- and space-insensitively", async () => {
      const m = await merchant(server, account());
      const clickId = await click(server, m);
      const lead = await server.api("POST", "/t/lead", { body: JSON.stringify({ program: m.programKey, clickId, email: "  Lead@Example.COM " }), headers: { "content-type": "text/plain" } });
      expect(lead.status).toBe(202);
      await deliver(platformUrl, event("checkout.session.completed", checkoutSession({ email: "lead@example.com" }), { account: m.accountId }), PLATFORM_SECRET);
      expect((await conversions(server, m))[0]).toMatchObject({ matchedBy: "lead_email", clickId, affiliateId: m.affiliateId });
    });

    it("reverses commission in proportion to cumulative refunds, whatever their order or repetition", async () => {
      const m = await merchant(server, account());
      const clickId = await click(server, m);
      const session = checkoutSession({ amount: 10_000, clientReferenceId: clickId });
      await deliver(platformUrl, event("checkout.session.completed", session, { account: m.accountId }), PLATFORM_SECRET);
      const chargeId = `ch_partial${n++}`;
      const half = event("charge.refunded", charge({ id: chargeId, amount: 10_000, amountRefunded: 5_000, paymentIntent: session.payment_intent }), { account: m.accountId });
      const quarter = event("charge.refunded", charge({ id: chargeId, amount: 10_000, amountRefunded: 2_500, paymentIntent: session.payment_intent }), { account: m.accountId });
      await deliver(platformUrl, half, PLATFORM_SECRET);
      await deliver(platformUrl, quarter, PLATFORM_SECRET); // older event delivered late
      await deliver(platformUrl, half, PLATFORM_SECRET); // duplicate
      let [conversion] = await conversions(server, m);
      expect(conversion).toMatchObject({ refundedAmount: 5_000, commission: { amount: 1_500 }, status: "pending" });
      await deliver(platformUrl, event("charge.refunded", charge({ id: chargeId, amount: 10_000, amountRefunded: 10_000, paymentIntent: session.payment_intent }), { account: m.accountId }), PLATFORM_SECRET);
      [conversion] = await conversions(server, m);
      expect(conversion).toMatchObject({ refundedAmount: 10_000, commission: { amount: 0 }, status: "reversed" });
    });

    it("applies a refund that arrives before its sale", async () => {
      const m = await merchant(server, account());
      const clickId = await click(server, m);
      const session = checkoutSession({ amount: 8_000, clientReferenceId: clickId });
      const refund = event("charge.refunded", charge({ amount: 8_000, amountRefunded: 2_000, paymentIntent: session.payment_intent }), { account: m.accountId });
      expect((await deliver(platformUrl, refund, PLATFORM_SECRET)).status).toBe(200);
      expect(await conversions(server, m)).toHaveLength(0);
      await deliver(platformUrl, event("checkout.session.completed", session, { account: m.accountId }), PLATFORM_SECRET);
      expect((await conversions(server, m))[0]).toMatchObject({ amount: 8_000, refundedAmount: 2_000, commission: { amount: 1_800 } });
    });

    it("completes an invoice that arrived before its subscription's Checkout Session, without counting twice", async () => {
      const m = await merchant(server, account());
      const clickId = await click(server, m);
      const subscription = `sub_${n++}`;
      const customer = `cus_${n++}`;
      const inv = invoice({ amountPaid: 4_900, customer, subscription, billingReason: "subscription_create" });
      expect((await deliver(platformUrl, event("invoice.paid", inv, { account: m.accountId }), PLATFORM_SECRET)).body.outcome).toBe("unattributed");
      const session = checkoutSession({ mode: "subscription", clientReferenceId: clickId, customer, subscription, amount: 4_900 });
      expect((await deliver(platformUrl, event("checkout.session.completed", session, { account: m.accountId }), PLATFORM_SECRET)).body.outcome).toBe("processed");
      const list = await conversions(server, m);
      expect(list).toHaveLength(1);
      expect(list[0]).toMatchObject({ amount: 4_900, affiliateId: m.affiliateId, commission: { amount: 1_470 }, kind: "first", stripe: { invoiceId: inv.id, subscriptionId: subscription } });
    });

    it("pays renewals while the recurring rule allows, through the click id in subscription metadata", async () => {
      const m = await merchant(server, account());
      const clickId = await click(server, m);
      const subscription = `sub_${n++}`;
      const customer = `cus_${n++}`;
      const day = 24 * 3600;
      const start = Math.floor(Date.now() / 1000) - 400 * day;
      const paid = (amount: number, at: number, reason: "subscription_create" | "subscription_cycle") =>
        deliver(platformUrl, event("invoice.paid", invoice({ amountPaid: amount, customer, subscription, billingReason: reason, paidAt: at, metadata: { icodrip_click: clickId } }), { account: m.accountId }), PLATFORM_SECRET);
      expect((await paid(0, start, "subscription_create")).body.outcome).toBe("ignored"); // trial
      expect((await paid(1_000, start + 14 * day, "subscription_cycle")).body.outcome).toBe("processed"); // first paid
      expect((await paid(1_000, start + 44 * day, "subscription_cycle")).body.outcome).toBe("processed");
      expect((await paid(1_000, start + 14 * day + 366 * day, "subscription_cycle")).body.outcome).toBe("ignored"); // past 12 months
      const list = (await conversions(server, m)).sort((x, y) => x.paidAt.localeCompare(y.paidAt));
      expect(list.map((c) => [c.kind, c.commission.amount, c.matchedBy])).toEqual([
        ["first", 300, "metadata"],
        ["renewal", 300, "metadata"],
      ]);
    });

    it("refuses events rendered with an API version older than 2023-10-16, naming it", async () => {
      const m = await merchant(server, account());
      const res = await deliver(platformUrl, event("checkout.session.completed", checkoutSession({}), { account: m.accountId, api_version: "2022-11-15" }), PLATFORM_SECRET);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("unsupported_api_version");
      expect(res.body.error.message).toContain("2022-11-15");
    });

    it("applies an event only to the workspace that connected its account", async () => {
      const a = await merchant(server, account());
      const b = await merchant(server, account());
      const clickId = await click(server, a);
      // A's click id inside B's payment: B's event may not reach into A's workspace.
      await deliver(platformUrl, event("checkout.session.completed", checkoutSession({ clientReferenceId: clickId }), { account: b.accountId }), PLATFORM_SECRET);
      expect(await conversions(server, a)).toHaveLength(0);
      const [inB] = await conversions(server, b);
      expect(inB).toMatchObject({ status: "unattributed", affiliateId: null });
      const unknown = await deliver(platformUrl, event("checkout.session.completed", checkoutSession({}), { account: "acct_nobody" }), PLATFORM_SECRET);
      expect(unknown.body.outcome).toBe("ignored");
    });

    it("waits for async_payment_succeeded when a session completes unpaid", async () => {
      const m = await merchant(server, account());
      const clickId = await click(server, m);
      const unpaid = checkoutSession({ clientReferenceId: clickId, paymentStatus: "unpaid" });
      expect((await deliver(platformUrl, event("checkout.session.completed", unpaid, { account: m.accountId }), PLATFORM_SECRET)).body.outcome).toBe("ignored");
      expect(await conversions(server, m)).toHaveLength(0);
      const paid = { ...unpaid, payment_status: "paid" };
      expect((await deliver(platformUrl, event("checkout.session.async_payment_succeeded", paid, { account: m.accountId }), PLATFORM_SECRET)).body.outcome).toBe("processed");
      expect(await conversions(server, m)).toHaveLength(1);
    });

    it("holds commission during a dispute, reverses it when lost and releases it when won", async () => {
      const m = await merchant(server, account());
      const dispute = (id: string, chargeId: string, status: string, type: string) =>
        event(type, { id, object: "dispute", charge: chargeId, payment_intent: null, status, amount: 10_000, currency: "usd" }, { account: m.accountId });
      const outcomes: Record<string, string> = {};
      for (const [name, closing] of [["lost", "lost"], ["won", "won"]] as const) {
        const clickId = await click(server, m);
        const session = checkoutSession({ clientReferenceId: clickId });
        await deliver(platformUrl, event("checkout.session.completed", session, { account: m.accountId }), PLATFORM_SECRET);
        const chargeId = `ch_${name}${n++}`;
        await deliver(platformUrl, event("charge.refunded", charge({ id: chargeId, amount: 10_000, amountRefunded: 0, paymentIntent: session.payment_intent }), { account: m.accountId }), PLATFORM_SECRET);
        await deliver(platformUrl, dispute(`dp_${name}`, chargeId, "needs_response", "charge.dispute.created"), PLATFORM_SECRET);
        const held = (await conversions(server, m)).find((c) => c.stripe.checkoutSessionId === session.id);
        expect(held.status).toBe("on_hold");
        await deliver(platformUrl, dispute(`dp_${name}`, chargeId, closing, "charge.dispute.closed"), PLATFORM_SECRET);
        const closed = (await conversions(server, m)).find((c) => c.stripe.checkoutSessionId === session.id);
        outcomes[name] = `${closed.status}:${closed.commission.amount}`;
      }
      expect(outcomes).toEqual({ lost: "reversed:0", won: "pending:3000" });
    });

    it("approves commission once the program's hold has passed", async () => {
      const m = await merchant(server, account());
      await server.api("PATCH", `/api/v1/programs/${m.programId}`, { key: m.key, body: { holdDays: 0 } });
      const clickId = await click(server, m);
      await deliver(platformUrl, event("checkout.session.completed", checkoutSession({ clientReferenceId: clickId }), { account: m.accountId }), PLATFORM_SECRET);
      expect((await conversions(server, m))[0].status).toBe("approved");
      expect(await conversions(server, m, "&status=approved")).toHaveLength(1);
      expect(await conversions(server, m, "&status=pending")).toHaveLength(0);
    });

    it("flags a self-referral and pays it no commission", async () => {
      const m = await merchant(server, account());
      const clickId = await click(server, m);
      await deliver(platformUrl, event("checkout.session.completed", checkoutSession({ clientReferenceId: clickId, email: "ANN@example.com" }), { account: m.accountId }), PLATFORM_SECRET);
      expect((await conversions(server, m))[0]).toMatchObject({ selfReferral: true, commission: { amount: 0 }, affiliateId: m.affiliateId });
    });

    it("never counts a subscription-mode session as money of its own", async () => {
      const m = await merchant(server, account());
      const clickId = await click(server, m);
      const session = checkoutSession({ mode: "subscription", clientReferenceId: clickId, customer: `cus_${n++}`, amount: 9_900 });
      expect((await deliver(platformUrl, event("checkout.session.completed", session, { account: m.accountId }), PLATFORM_SECRET)).body.outcome).toBe("processed");
      expect(await conversions(server, m)).toHaveLength(0);
      await deliver(platformUrl, event("invoice.paid", invoice({ amountPaid: 9_900, customer: session.customer, subscription: session.subscription }), { account: m.accountId }), PLATFORM_SECRET);
      expect((await conversions(server, m)).map((c) => [c.amount, c.kind, c.matchedBy])).toEqual([[9_900, "first", "client_reference_id"]]);
    });

    it("credits an invoice through its subscription metadata even when the session found no referral", async () => {
      const m = await merchant(server, account());
      const clickId = await click(server, m);
      const session = checkoutSession({ mode: "subscription", customer: `cus_${n++}` });
      expect((await deliver(platformUrl, event("checkout.session.completed", session, { account: m.accountId }), PLATFORM_SECRET)).body.outcome).toBe("unattributed");
      const inv = invoice({ amountPaid: 1_000, customer: session.customer, subscription: session.subscription, metadata: { icodrip_click: clickId } });
      expect((await deliver(platformUrl, event("invoice.paid", inv, { account: m.accountId }), PLATFORM_SECRET)).body.outcome).toBe("processed");
      expect((await conversions(server, m))[0]).toMatchObject({ affiliateId: m.affiliateId, matchedBy: "metadata", commission: { amount: 300 } });
    });

    it("keeps test and live mode apart for one account", async () => {
      const m = await merchant(server, account());
      const live = await server.store.getConnection((await server.store.programByKey(m.programKey))!.workspaceId, m.accountId, false);
      await server.store.putConnection({ ...live!, livemode: true });
      const clickId = await click(server, m);
      await deliver(platformUrl, event("checkout.session.completed", checkoutSession({ clientReferenceId: clickId, livemode: true }), { account: m.accountId, livemode: true }), PLATFORM_SECRET);
      await deliver(platformUrl, event("checkout.session.completed", checkoutSession({ clientReferenceId: clickId }), { account: m.accountId }), PLATFORM_SECRET);
      expect((await conversions(server, m, "&livemode=true")).map((c) => c.livemode)).toEqual([true]);
      expect((await conversions(server, m, "&livemode=false")).map((c) => c.livemode)).toEqual([false]);
    });

    it("marks the account disconnected on account.application.deauthorized and ignores its payments after", async () => {
      const m = await merchant(server, account());
      const res = await deliver(platformUrl, event("account.application.deauthorized", { id: "ca_app", object: "application", name: "Icodrip" }, { account: m.accountId }), PLATFORM_SECRET);
      expect(res.body.outcome).toBe("processed");
      const ws = (await server.store.programByKey(m.programKey))!.workspaceId;
      expect((await server.store.getConnection(ws, m.accountId, false))?.status).toBe("disconnected");
      const after = await deliver(platformUrl, event("checkout.session.completed", checkoutSession({}), { account: m.accountId }), PLATFORM_SECRET);
      expect(after.body.outcome).toBe("ignored");
      expect(await conversions(server, m)).toHaveLength(0);
    });

    it("does not match a click outside its cookie window, and says when it expired", async () => {
      const m = await merchant(server, account());
      const clickId = await click(server, m);
      const late = Math.floor(Date.now() / 1000) + 61 * 24 * 3600;
      await deliver(platformUrl, event("checkout.session.completed", checkoutSession({ clientReferenceId: clickId, created: late }), { account: m.accountId }), PLATFORM_SECRET);
      const [conversion] = await conversions(server, m);
      expect(conversion).toMatchObject({ status: "unattributed", affiliateId: null });
      expect(conversion.reason).toMatch(/expired/);
    });

    it("finds a subscription invoice's conversion for its refund through invoice_payment.paid, in either order", async () => {
      const m = await merchant(server, account());
      const clickId = await click(server, m);
      const results: string[] = [];
      for (const order of ["payment-last", "payment-first"] as const) {
        const pi = `pi_${order}${n++}`;
        const inv = invoice({ amountPaid: 2_000, customer: `cus_${n++}`, subscription: `sub_${n++}`, metadata: { icodrip_click: clickId }, withPayments: false });
        const paidEvent = event("invoice.paid", inv, { account: m.accountId });
        const paymentEvent = event("invoice_payment.paid", invoicePayment({ invoice: inv.id, paymentIntent: pi, amount: 2_000 }), { account: m.accountId });
        const refundEvent = event("charge.refunded", charge({ amount: 2_000, amountRefunded: 500, paymentIntent: pi }), { account: m.accountId });
        const sequence = order === "payment-last" ? [paidEvent, refundEvent, paymentEvent] : [paymentEvent, paidEvent, refundEvent];
        for (const e of sequence) expect((await deliver(platformUrl, e, PLATFORM_SECRET)).status).toBe(200);
        const conversion = (await conversions(server, m)).find((c) => c.stripe.invoiceId === inv.id);
        results.push(`${String(conversion.stripe.paymentIntentId === pi)}:${conversion.refundedAmount}:${conversion.commission.amount}`);
      }
      expect(results).toEqual(["true:500:450", "true:500:450"]);
    });

    it("refuses a body over 1 MiB with 413", async () => {
      const res = await fetch(platformUrl, { method: "POST", headers: { "content-type": "application/json", "stripe-signature": "t=1,v1=x" }, body: "x".repeat(1024 * 1024 + 10) });
      expect(res.status).toBe(413);
      expect(((await res.json())).error.code).toBe("payload_too_large");
    });
  });
}
