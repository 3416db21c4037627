import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { payoutOut } from "../../server/payouts/routes.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { storeKinds } from "../support/stores.js";
import { event, deliver } from "../support/stripe-events.js";
import { click, merchant, page, pay, PLATFORM_SECRET, refund, SERVER_ENV, type Merchant } from "../dashboard/support.js";

// Payouts over the API, from payments that arrived as signed webhooks, on both stores: a run,
// a second run that makes nothing, the PayPal file, paying, a refund after payment clawed back
// from the next payout, cancel, and runs racing each other.

/** A merchant whose commissions are due at once (no hold), with Ann paid by PayPal. */
async function setUp(server: TestServer, o: { minPayout?: number } = {}): Promise<Merchant> {
  const m = await merchant(server);
  const patched = await server.api("PATCH", `/api/v1/programs/${m.program.id}`, { key: m.key, body: { holdDays: 0, minPayout: o.minPayout ?? 0 } });
  expect(patched.status).toBe(200);
  await server.store.updateAffiliate(m.workspaceId, m.affiliate.id, { payoutMethod: { type: "paypal", email: "ann@paypal.example" } });
  return m;
}

/** A referred sale of `amount` (30 % commission) paid through PaymentIntent `pi`. */
async function sale(server: TestServer, m: Merchant, amount: number, pi: string, currency = "usd") {
  const clickId = await click(server, m);
  expect((await pay(server, m, { amount, clickId, paymentIntent: pi, currency })).outcome).toBe("processed");
}

async function dispute(server: TestServer, m: Merchant, pi: string, status: string, type: string) {
  const evt = event(type, { id: `dp_${pi}`, object: "dispute", charge: `ch_${pi}`, payment_intent: pi, status, amount: 10_000, currency: "usd" }, { account: m.accountId });
  expect((await deliver(`${server.url}/webhooks/stripe`, evt, PLATFORM_SECRET)).status).toBe(200);
}

for (const kind of storeKinds) {
  describe.runIf(kind.available)(`payouts on the ${kind.name} store`, () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer(kind, SERVER_ENV);
    });
    afterAll(async () => {
      await server.stop();
    });

    it("pays what is due once, files it for PayPal, marks it paid, and claws a later refund back from the next payout", async () => {
      const m = await setUp(server);
      await sale(server, m, 10_000, "pi_pay_a");
      await sale(server, m, 5_000, "pi_pay_b");

      const run = await server.api("POST", "/api/v1/payouts", { key: m.key, body: {} });
      expect(run.status).toBe(201);
      expect(run.body.data).toHaveLength(1);
      const payout = payoutOut.parse(run.body.data[0]);
      expect(payout).toMatchObject({ affiliateId: m.affiliate.id, programId: m.program.id, currency: "usd", amount: 4_500, status: "pending", method: { type: "paypal", email: "ann@paypal.example" }, livemode: false });
      expect(payout.conversionIds).toHaveLength(2);

      // Nothing new: nothing made.
      expect((await server.api("POST", "/api/v1/payouts", { key: m.key, body: {} })).body).toEqual({ data: [], skipped: [] });
      const conversions = await server.api("GET", `/api/v1/conversions?affiliateId=${m.affiliate.id}`, { key: m.key });
      for (const c of conversions.body.data) expect(c).toMatchObject({ payoutId: payout.id, status: "approved" });

      const file = await fetch(`${server.url}/api/v1/payouts/export.csv?format=paypal&status=pending`, { headers: { authorization: `Bearer ${m.key}` } });
      expect(file.headers.get("content-type")).toBe("text/csv; charset=utf-8");
      expect(await file.text()).toBe(`ann@paypal.example,45.00,USD,${payout.id},"Affiliate commission, payout ${payout.id}",PAYPAL\r\n`);

      const paid = await server.api("POST", `/api/v1/payouts/${payout.id}/paid`, { key: m.key, body: { reference: "PAYPAL-BATCH-7" } });
      expect(paid.body).toMatchObject({ status: "paid", reference: "PAYPAL-BATCH-7" });
      const again = await server.api("POST", `/api/v1/payouts/${payout.id}/paid`, { key: m.key, body: { reference: "other" } });
      expect(again.body).toEqual(paid.body);
      expect((await server.api("POST", `/api/v1/payouts/${payout.id}/cancel`, { key: m.key })).body.error.code).toBe("payout_paid");
      const after = await server.api("GET", `/api/v1/conversions?affiliateId=${m.affiliate.id}`, { key: m.key });
      for (const c of after.body.data) {
        expect(c).toMatchObject({ status: "paid", payoutId: payout.id });
        expect(c.history.map((h: { status: string; note?: string }) => h.note ?? h.status)).toEqual(["pending", "approved", "in payout", "payout paid"]);
      }
      // The Conversions tab says which payout holds each commission, and each one's history.
      const tab = await page(server, "/dashboard/conversions", m.cookie);
      expect(tab.html).toContain(`in payout <code>${payout.id}</code>`);
      expect(tab.html).toMatch(/<details class="history"><summary>History<\/summary><ol>(<li>.*?<\/li>){4}<\/ol>/);
      expect(tab.html).toContain("payout paid <span class=\"muted\">(paid)</span>");
      const summary = await server.api("GET", "/api/v1/reports/summary", { key: m.key });
      expect(summary.body.commission).toEqual([{ currency: "usd", pending: 0, approved: 0, paid: 4_500, reversed: 0, onHold: 0 }]);

      // The $100 sale is refunded in full after it was paid: its $30 comes off the next payout.
      await refund(server, m, { amount: 10_000, refunded: 10_000, paymentIntent: "pi_pay_a" });
      const lost = (await server.api("GET", `/api/v1/conversions?affiliateId=${m.affiliate.id}`, { key: m.key })).body.data.find((c: { amount: number }) => c.amount === 10_000);
      expect(lost).toMatchObject({ status: "reversed", paidCommission: 3_000, clawbackDue: 3_000 });
      expect((await page(server, "/dashboard/conversions", m.cookie)).html).toContain("$30.00 to claw back from the next payout");
      await sale(server, m, 20_000, "pi_pay_c");
      const next = await server.api("POST", "/api/v1/payouts", { key: m.key, body: {} });
      expect(next.body.data).toHaveLength(1);
      expect(next.body.data[0].amount).toBe(3_000);
      expect(next.body.data[0].lines).toEqual(expect.arrayContaining([{ conversionId: lost.id, kind: "clawback", amount: -3_000 }]));
      const settled = await server.api("GET", `/api/v1/conversions/${lost.id}`, { key: m.key });
      expect(settled.body.clawbackDue).toBe(0);
      const listed = await server.api("GET", `/api/v1/payouts?affiliateId=${m.affiliate.id}`, { key: m.key });
      expect(listed.body.data.map((p: { status: string }) => p.status)).toEqual(["pending", "paid"]);
    });

    it("waits under the minimum, holds a disputed commission out, and gives a won one back to the next run", async () => {
      const m = await setUp(server, { minPayout: 5_000 });
      await sale(server, m, 10_000, "pi_min_a"); // $30
      const under = await server.api("POST", "/api/v1/payouts", { key: m.key, body: {} });
      expect(under.body).toEqual({ data: [], skipped: [{ affiliateId: m.affiliate.id, currency: "usd", livemode: false, amount: 3_000, reason: "below_minimum" }] });
      await sale(server, m, 10_000, "pi_min_b");
      await dispute(server, m, "pi_min_b", "needs_response", "charge.dispute.created");
      expect((await server.api("POST", "/api/v1/payouts", { key: m.key, body: {} })).body.data).toEqual([]);
      await dispute(server, m, "pi_min_b", "won", "charge.dispute.closed");
      const run = await server.api("POST", "/api/v1/payouts", { key: m.key, body: {} });
      expect(run.body.data.map((p: { amount: number }) => p.amount)).toEqual([6_000]);
    });

    it("cancels a pending payout: its commissions are due again and the next run takes them", async () => {
      const m = await setUp(server);
      await sale(server, m, 10_000, "pi_cancel_a");
      const first = (await server.api("POST", "/api/v1/payouts", { key: m.key, body: {} })).body.data[0];
      const canceled = await server.api("POST", `/api/v1/payouts/${first.id}/cancel`, { key: m.key });
      expect(canceled.body).toMatchObject({ status: "canceled" });
      expect((await server.api("POST", `/api/v1/payouts/${first.id}/paid`, { key: m.key, body: {} })).body.error.code).toBe("payout_canceled");
      const second = (await server.api("POST", "/api/v1/payouts", { key: m.key, body: {} })).body.data;
      expect(second).toHaveLength(1);
      expect(second[0]).toMatchObject({ amount: 3_000, conversionIds: first.conversionIds });
      expect(second[0].id).not.toBe(first.id);
    });

    it("puts each commission in exactly one payout when runs race", async () => {
      const m = await setUp(server);
      const bob = await server.api("POST", "/api/v1/affiliates", { key: m.key, body: { programId: m.program.id, name: "Bob", email: `bob-${m.workspaceId}@example.com` } });
      for (let i = 0; i < 6; i++) await sale(server, m, 1_000 * (i + 1), `pi_race_${i}`);
      // Bob's sale in euros, through a click on his own code.
      const bobClick = await server.api("POST", "/t/click", {
        body: JSON.stringify({ program: m.program.key, code: bob.body.code, url: "https://shop.example.com/?via=bob" }),
        headers: { "content-type": "text/plain", "user-agent": "bob-agent" },
      });
      await pay(server, m, { amount: 2_000, clickId: bobClick.body.clickId, paymentIntent: "pi_race_bob", currency: "eur" });
      const runs = await Promise.all(Array.from({ length: 8 }, () => server.api("POST", "/api/v1/payouts", { key: m.key, body: {} })));
      for (const r of runs) expect(r.status).toBe(201);
      const made = runs.flatMap((r) => r.body.data as { id: string; affiliateId: string; amount: number; currency: string; conversionIds: string[] }[]);
      expect(made.map((p) => `${p.currency} ${p.amount}`).sort()).toEqual(["eur 600", "usd 6300"]);
      const ids = made.flatMap((p) => p.conversionIds);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toHaveLength(7);
      const conversions = await server.api("GET", "/api/v1/conversions?limit=100", { key: m.key });
      for (const c of conversions.body.data) expect(made.find((p) => p.conversionIds.includes(c.id))?.id).toBe(c.payoutId);
    });

    it("answers bad input with the field it is about, and another workspace's payout with 404", async () => {
      const m = await setUp(server);
      const other = await setUp(server);
      await sale(server, other, 10_000, "pi_other");
      const theirs = (await server.api("POST", "/api/v1/payouts", { key: other.key, body: {} })).body.data[0];
      for (const path of [`/api/v1/payouts/${theirs.id}`]) expect((await server.api("GET", path, { key: m.key })).status).toBe(404);
      expect((await server.api("POST", `/api/v1/payouts/${theirs.id}/paid`, { key: m.key, body: {} })).status).toBe(404);
      const bad = await server.api("POST", "/api/v1/payouts", { key: m.key, body: { before: "last tuesday" } });
      expect(bad.status).toBe(400);
      expect(bad.body.error.fields).toHaveProperty("before");
      expect((await server.api("POST", "/api/v1/payouts", { key: m.key, body: { programId: "prg_nope" } })).status).toBe(404);
      const format = await server.api("GET", "/api/v1/payouts/export.csv?format=venmo", { key: m.key });
      expect(format.body.error.fields).toHaveProperty("format");
      // Two currencies in one PayPal file: refused with the way out.
      await sale(server, m, 10_000, "pi_two_usd");
      await sale(server, m, 10_000, "pi_two_eur", "eur");
      await server.api("POST", "/api/v1/payouts", { key: m.key, body: {} });
      const two = await server.api("GET", "/api/v1/payouts/export.csv?format=paypal", { key: m.key });
      expect(two.status).toBe(400);
      expect(two.body.error.code).toBe("one_currency_per_file");
      const one = await fetch(`${server.url}/api/v1/payouts/export.csv?format=paypal&currency=EUR`, { headers: { authorization: `Bearer ${m.key}` } });
      expect((await one.text()).split("\r\n").filter(Boolean).map((l) => l.split(",").slice(1, 3).join(" "))).toEqual(["30.00 EUR"]);
    });
  });
}
