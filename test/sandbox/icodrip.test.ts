import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { finish, member, type Rig, startRig, toCallback } from "../connect/harness.js";
import { storeKinds } from "../support/stores.js";

// Icodrip and the sandbox together, with no event built by hand: a merchant connects by OAuth
// (Icodrip registers its Connect endpoint at the sandbox), buyers pay on the hosted page, and
// the sandbox's own signed deliveries become conversions, a recurring commission and a reversal.

for (const kind of storeKinds) {
  describe.runIf(kind.available)(`Icodrip fed by the sandbox, ${kind.name} store`, () => {
    let rig: Rig;
    let key: string;
    let accountId: string;
    let stripe: Stripe;
    let programKey: string;
    let code: string;

    beforeAll(async () => {
      rig = await startRig(kind);
      const m = await member(rig);
      key = m.key;
      // The merchant's own key makes the sessions, as the shop would; Icodrip's connection is read-only.
      const account = rig.emulator.createAccount();
      accountId = account.accountId;
      expect((await finish(m.browser, await toCallback(rig, m.browser, accountId))).searchParams.get("connected")).toBe(accountId);
      stripe = new Stripe(account.secretKey, { ...rig.emulator.stripeConfig, maxNetworkRetries: 0 });
      const program = await rig.server.api("POST", "/api/v1/programs", {
        key,
        body: { name: "Main", url: "https://shop.example.com", commission: { type: "percent", percent: 30 }, recurring: { type: "months", months: 12 } },
      });
      programKey = program.body.key;
      code = `ann${Math.random().toString(36).slice(2, 6)}`;
      await rig.server.api("POST", "/api/v1/affiliates", { key, body: { programId: program.body.id, name: "Ann", email: "ann@example.com", code } });
    });
    afterAll(async () => {
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when the setup failed
      await rig?.stop();
    });

    async function click(): Promise<string> {
      const res = await rig.server.api("POST", "/t/click", {
        body: JSON.stringify({ program: programKey, code, url: "https://shop.example.com/?via=x", referrer: null }),
        headers: { "content-type": "text/plain", "user-agent": `agent-${Math.random()}` },
      });
      expect(res.status).toBe(200);
      return res.body.clickId as string;
    }

    const conversions = async () => (await rig.server.api("GET", "/api/v1/conversions?limit=100", { key })).body.data as any[];

    /** Waits for the sandbox's deliveries and expects every one of them accepted. */
    async function delivered() {
      await rig.emulator.idle();
      expect(rig.emulator.deliveries.filter((d) => !d.ok).map((d) => [d.eventType, d.status, d.response])).toEqual([]);
    }

    it("turns a payment on the hosted page into a conversion, and a refund into a reversal", async () => {
      const clickId = await click();
      const session = await stripe.checkout.sessions.create({
        mode: "payment",
        line_items: [{ price_data: { currency: "usd", unit_amount: 10_000, product_data: { name: "Pro" } } }],
        client_reference_id: clickId,
        metadata: { icodrip_click: clickId },
        customer_email: "buyer@example.com",
        success_url: "https://shop.example.com/thanks",
      });
      const paid = await fetch(session.url ?? "", { method: "POST", redirect: "manual", body: new URLSearchParams({ email: "buyer@example.com", cardnumber: "4242424242424242", exp: "12/34", cvc: "123" }) });
      expect(paid.status).toBe(303);
      await delivered();
      const [conversion] = (await conversions()).filter((c) => c.clickId === clickId);
      expect(conversion).toMatchObject({ amount: 10_000, currency: "usd", commission: { amount: 3_000, currency: "usd" } });

      const { payment_intent } = await stripe.checkout.sessions.retrieve(session.id);
      await stripe.refunds.create({ payment_intent: payment_intent as string, amount: 5_000 });
      await delivered();
      const [after] = (await conversions()).filter((c) => c.clickId === clickId);
      expect(after).toMatchObject({ refundedAmount: 5_000, commission: { amount: 1_500 }, stripe: { paymentIntentId: payment_intent, accountId } });
    });

    it("turns a subscription into a conversion and its next invoice into a recurring commission", async () => {
      const clickId = await click();
      const session = await stripe.checkout.sessions.create({
        mode: "subscription",
        line_items: [{ price_data: { currency: "usd", unit_amount: 2_000, product_data: { name: "Club" }, recurring: { interval: "month" } } }],
        client_reference_id: clickId,
        subscription_data: { metadata: { icodrip_click: clickId } },
        success_url: "https://shop.example.com/thanks",
      });
      expect(rig.emulator.pay(session.id).ok).toBe(true);
      await delivered();
      const subscription = (await stripe.checkout.sessions.retrieve(session.id)).subscription as string;
      rig.emulator.advanceSubscription(subscription);
      await delivered();
      const mine = (await conversions()).filter((c) => c.clickId === clickId);
      expect(mine.map((c) => [c.amount, c.commission.amount])).toEqual([
        [2_000, 600],
        [2_000, 600],
      ]);
    });
  });
}
