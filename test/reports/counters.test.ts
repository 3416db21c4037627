import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashApiKey } from "../../server/domain/password.js";
import { conversionStatusAt } from "../../server/domain/status.js";
import type { Click, Conversion } from "../../server/domain/types.js";
import { merchant, PLATFORM_SECRET, SECRET, type Setup } from "../support/merchant.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { charge, checkoutSession, deliver, event } from "../support/stripe-events.js";
import { storeKinds } from "../support/stores.js";
import { allPages } from "../support/records.js";

// The reports read counters that the writes keep; here they must equal a recount of the rows the
// writes left, after concurrent clicks and duplicated, shuffled, concurrent webhook deliveries
// with refunds and disputes, over several days, two programs, three currencies and both modes.
// The recount below is written from the rules as README states them, not from the server's code.

const DAY_MS = 24 * 3600 * 1000;

interface Commission { currency: string; pending: number; approved: number; paid: number; reversed: number; onHold: number }
interface Figures { clicks: number; conversions: number; unattributed: number; revenue: { currency: string; amount: number }[]; commission: Commission[] }

/** What the reports should say of these rows, counted one by one. */
function recount(clicks: Click[], conversions: Conversion[], now: number, keep: { day?: string; programId?: string; affiliateId?: string; livemode?: boolean }): Figures {
  const day = (at: number) => new Date(at).toISOString().slice(0, 10);
  const inScope = (r: { createdAt: number; programId: string | null; affiliateId: string | null }) =>
    (!keep.day || day(r.createdAt) === keep.day) && (!keep.programId || r.programId === keep.programId) && (!keep.affiliateId || r.affiliateId === keep.affiliateId);
  const out: Figures = { clicks: clicks.filter(inScope).length, conversions: 0, unattributed: 0, revenue: [], commission: [] };
  const revenue = new Map<string, number>();
  const commission = new Map<string, Commission>();
  const row = (currency: string) => {
    let r = commission.get(currency);
    if (!r) commission.set(currency, (r = { currency, pending: 0, approved: 0, paid: 0, reversed: 0, onHold: 0 }));
    return r;
  };
  for (const c of conversions) {
    if (!inScope(c) || (keep.livemode !== undefined && c.livemode !== keep.livemode)) continue;
    const status = conversionStatusAt(c, now);
    if (status === "awaiting_payment") continue;
    if (status === "unattributed") {
      out.unattributed++;
      continue;
    }
    out.conversions++;
    const r = row(c.commission.currency);
    if (status === "reversed") {
      r.reversed += c.baseCommission.amount;
      continue;
    }
    revenue.set(c.currency, (revenue.get(c.currency) ?? 0) + c.amount - c.refundedAmount);
    r.reversed += c.baseCommission.amount - c.commission.amount;
    if (status === "pending") r.pending += c.commission.amount;
    else if (status === "approved") r.approved += c.commission.amount;
    else if (status === "paid") r.paid += c.commission.amount;
    else r.onHold += c.commission.amount; // on_hold: the statuses left
  }
  const byCurrency = (a: { currency: string }, b: { currency: string }) => a.currency.localeCompare(b.currency);
  out.revenue = [...revenue].filter(([, amount]) => amount !== 0).map(([currency, amount]) => ({ currency, amount })).sort(byCurrency);
  out.commission = [...commission.values()].filter((c) => c.pending || c.approved || c.paid || c.reversed || c.onHold).sort(byCurrency);
  return out;
}


function shuffle<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

for (const kind of storeKinds) {
  describe.runIf(kind.available)(`report counters on the ${kind.name} store`, () => {
    let server: TestServer;
    let clock = Date.now();

    beforeAll(async () => {
      server = await startTestServer(kind, { STRIPE_WEBHOOK_SECRET: PLATFORM_SECRET, ICODRIP_SECRET: SECRET });
      server.ctx.now = () => clock;
    });
    afterAll(async () => {
      await server.stop();
    });

    it("equal a recount of the rows after racing clicks and duplicated, shuffled deliveries with refunds and disputes", async () => {
      const accountId = `acct_rep${kind.name}${Date.now().toString(36)}`;
      const m: Setup = await merchant(server, accountId);
      const key = m.key;
      const workspace = await server.store.workspaceByApiKeyHash(hashApiKey(key));
      const w = workspace!.id;
      // The same account in live mode, so live and test payments land side by side.
      const testConnection = await server.store.getConnection(w, accountId, false);
      await server.store.putConnection({ ...testConnection!, livemode: true });
      // A second affiliate in the first program; a second program that approves at once and pays a fixed EUR amount.
      const second = await server.api("POST", "/api/v1/affiliates", { key, body: { programId: m.programId, name: "Bo", email: "bo@example.com", code: `bo${Date.now().toString(36)}` } });
      const other = await server.api("POST", "/api/v1/programs", {
        key,
        body: { name: "Other", url: "https://other.example.com", holdDays: 0, commission: { type: "fixed", amount: 750, currency: "eur" } },
      });
      const third = await server.api("POST", "/api/v1/affiliates", { key, body: { programId: other.body.id, name: "Cy", email: "cy@example.com", code: `cy${Date.now().toString(36)}` } });
      const first = await server.api("GET", `/api/v1/affiliates/${m.affiliateId}`, { key });
      const targets = [
        { program: m.programKey, code: first.body.code as string },
        { program: m.programKey, code: second.body.code as string },
        { program: other.body.key as string, code: third.body.code as string },
      ];

      const today = Date.parse(`${new Date().toISOString().slice(0, 10)}T10:00:00Z`);
      const dayList: string[] = [];
      let seq = 0;
      for (const daysAgo of [3, 1, 0]) {
        clock = today - daysAgo * DAY_MS;
        dayList.push(new Date(clock).toISOString().slice(0, 10));
        // 24 clicks at once, 8 per affiliate, each from its own browser.
        const clicks = await Promise.all(
          Array.from({ length: 24 }, async (_, i) => {
            const t = targets[i % 3];
            const res = await server.api("POST", "/t/click", {
              body: JSON.stringify({ program: t.program, code: t.code, url: "https://shop.example.com/?via=x", referrer: null }),
              headers: { "content-type": "text/plain", "user-agent": `agent-${daysAgo}-${i}-${Math.random()}` },
            });
            expect(res.status).toBe(200);
            return res.body.clickId as string;
          }),
        );

        // Sales for half the clicks in three currencies, one of them live; an unattributed one;
        // refunds (partial, full) and disputes (lost, still open) on some of the sales.
        const events: object[] = [];
        const currencies = ["usd", "jpy", "eur"] as const;
        for (let i = 0; i < 12; i++) {
          const livemode = i === 5;
          const currency = currencies[i % 3];
          const amount = currency === "jpy" ? 4_980 + i : 10_000 + 137 * i;
          const session = checkoutSession({ amount, currency, clientReferenceId: clicks[i], email: `buyer${seq++}@example.com`, livemode, created: Math.floor(clock / 1000) });
          events.push(event("checkout.session.completed", session, { account: accountId, livemode, created: Math.floor(clock / 1000) }));
          const chargeId = `ch_rep${daysAgo}x${i}${Date.now().toString(36)}`;
          const refunded = i % 4 === 1 ? Math.floor(amount / 3) : i % 4 === 2 ? amount : 0;
          if (refunded > 0 || i % 4 === 3) {
            events.push(event("charge.refunded", charge({ id: chargeId, amount, amountRefunded: refunded, currency, paymentIntent: session.payment_intent }), { account: accountId, livemode, created: Math.floor(clock / 1000) }));
          }
          if (i % 4 === 3) {
            const dispute = (status: string, type: string) =>
              event(type, { id: `dp_${chargeId}`, object: "dispute", charge: chargeId, payment_intent: session.payment_intent, status, amount, currency }, { account: accountId, livemode, created: Math.floor(clock / 1000) });
            events.push(dispute("needs_response", "charge.dispute.created"));
            if (i === 7) events.push(dispute("lost", "charge.dispute.closed"));
          }
        }
        events.push(event("checkout.session.completed", checkoutSession({ amount: 2_500, email: `nobody${seq++}@example.com`, created: Math.floor(clock / 1000) }), { account: accountId, created: Math.floor(clock / 1000) }));

        // Every event once, some twice or three times, in a shuffled order, eight at a time.
        const deliveries = shuffle(events.flatMap((e, i) => Array.from({ length: 1 + (i % 3) }, () => e)), daysAgo + 7);
        for (let i = 0; i < deliveries.length; i += 8) {
          const answers = await Promise.all(deliveries.slice(i, i + 8).map((e) => deliver(`${server.url}/webhooks/stripe`, e, PLATFORM_SECRET, { timestamp: Math.floor(clock / 1000) })));
          for (const a of answers) expect(a.status).toBe(200);
        }
      }

      // Read half a day after the last sales: the second program's holds (0 days) have passed, none of the first's (30).
      clock = today + DAY_MS / 2;
      const rows = await allPages((cursor) => server.store.listConversions(w, { limit: 100, cursor }));
      const clickRows = await allPages((cursor) => server.store.listClicks(w, { limit: 100, cursor }));
      expect(clickRows).toHaveLength(72);
      expect(rows.filter((c) => c.status === "unattributed")).toHaveLength(3);
      const statuses = new Set(rows.map((c) => conversionStatusAt(c, clock)));
      for (const s of ["pending", "approved", "reversed", "on_hold"]) expect(statuses).toContain(s);

      const from = dayList[0];
      const to = new Date(clock).toISOString().slice(0, 10);
      const get = async (path: string) => {
        const res = await server.api("GET", path, { key });
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        return res.body;
      };
      const scopes: { programId?: string; affiliateId?: string }[] = [
        {},
        { programId: m.programId },
        { programId: other.body.id as string },
        { affiliateId: m.affiliateId },
        { affiliateId: second.body.id as string },
        { affiliateId: third.body.id as string },
        { programId: m.programId, affiliateId: third.body.id as string },
      ];
      for (const scope of scopes) {
        for (const livemode of [undefined, true, false]) {
          const query = new URLSearchParams({ from, to });
          if (scope.programId) query.set("programId", scope.programId);
          if (scope.affiliateId) query.set("affiliateId", scope.affiliateId);
          if (livemode !== undefined) query.set("livemode", String(livemode));
          const summary = await get(`/api/v1/reports/summary?${query}`);
          const expected =
            scope.programId && scope.affiliateId
              ? recount([], [], clock, {})
              : recount(clickRows, rows, clock, { ...scope, livemode });
          expect({ ...summary, from: undefined, to: undefined }, query.toString()).toEqual({ ...expected, from: undefined, to: undefined });

          const series = await get(`/api/v1/reports/timeseries?${query}&interval=day`);
          expect(series.data.map((d: { date: string }) => d.date)).toEqual(
            Array.from({ length: (Date.parse(to) - Date.parse(from)) / DAY_MS + 1 }, (_, i) => new Date(Date.parse(from) + i * DAY_MS).toISOString().slice(0, 10)),
          );
          for (const d of series.data) {
            const want = scope.programId && scope.affiliateId ? recount([], [], clock, {}) : recount(clickRows, rows, clock, { ...scope, livemode, day: d.date });
            expect({ ...d, date: undefined }, `${query.toString()} on ${d.date}`).toEqual({ ...want, date: undefined });
          }
        }
      }

      const perAffiliate = await get(`/api/v1/reports/affiliates?from=${from}&to=${to}`);
      expect(perAffiliate.data.map((r: { affiliateId: string }) => r.affiliateId).sort()).toEqual([m.affiliateId, second.body.id, third.body.id].sort());
      for (const r of perAffiliate.data) {
        expect({ ...r, affiliateId: undefined, programId: undefined, name: undefined, code: undefined }).toEqual(recount(clickRows, rows, clock, { affiliateId: r.affiliateId }));
      }
      const ofOther = await get(`/api/v1/reports/affiliates?from=${from}&to=${to}&programId=${other.body.id}`);
      expect(ofOther.data.map((r: { name: string }) => r.name)).toEqual(["Cy"]);

      // A refund that arrives once more changes nothing; a further refund moves the counters with the row.
      const again = rows.find((c) => c.status === "pending" && c.stripe.paymentIntentId && c.refundedAmount === 0 && !c.livemode)!;
      const later = charge({ amount: again.amount, amountRefunded: Math.floor(again.amount / 2), currency: again.currency, paymentIntent: again.stripe.paymentIntentId });
      const refund = event("charge.refunded", later, { account: accountId });
      for (let i = 0; i < 2; i++) expect((await deliver(`${server.url}/webhooks/stripe`, refund, PLATFORM_SECRET, { timestamp: Math.floor(clock / 1000) })).status).toBe(200);
      const after = await allPages((cursor) => server.store.listConversions(w, { limit: 100, cursor }));
      expect(after.find((c) => c.id === again.id)?.refundedAmount).toBe(Math.floor(again.amount / 2));
      const { from: _f, to: _t, ...summary } = await get(`/api/v1/reports/summary?from=${from}&to=${to}`);
      expect(summary).toEqual(recount(clickRows, after, clock, {}));

      // Payouts: the approved commissions are paid out, then a paid one is refunded in full. The
      // counters move with the rows (approved → paid → reversed) and still equal the recount.
      const run = await server.api("POST", "/api/v1/payouts", { key, body: {} });
      expect(run.body.data.length).toBeGreaterThan(0);
      for (const p of run.body.data as { id: string }[]) expect((await server.api("POST", `/api/v1/payouts/${p.id}/paid`, { key, body: {} })).status).toBe(200);
      const paidRows = await allPages((cursor) => server.store.listConversions(w, { limit: 100, cursor }));
      const paid = paidRows.find((c) => c.status === "paid" && c.stripe.paymentIntentId !== null && c.refundedAmount === 0)!;
      const full = charge({ amount: paid.amount, amountRefunded: paid.amount, currency: paid.currency, paymentIntent: paid.stripe.paymentIntentId });
      expect((await deliver(`${server.url}/webhooks/stripe`, event("charge.refunded", full, { account: accountId, livemode: paid.livemode }), PLATFORM_SECRET, { timestamp: Math.floor(clock / 1000) })).status).toBe(200);
      const final = await allPages((cursor) => server.store.listConversions(w, { limit: 100, cursor }));
      expect(final.find((c) => c.id === paid.id)).toMatchObject({ status: "reversed", paidCommission: paid.commission.amount });
      for (const scope of [{}, { programId: other.body.id as string }] as Record<string, string>[]) {
        const query = new URLSearchParams({ from, to, ...scope });
        const { from: _pf, to: _pt, ...afterPayouts } = await get(`/api/v1/reports/summary?${query}`);
        expect(afterPayouts, query.toString()).toEqual(recount(clickRows, final, clock, scope));
        expect(afterPayouts.commission.some((c: { paid: number }) => c.paid > 0)).toBe(true);
      }
    });

    it("refuse a range that ends before it starts, or is too long, with the field named", async () => {
      const m = await merchant(server, `acct_range${kind.name}${Date.now().toString(36)}`);
      const backwards = await server.api("GET", "/api/v1/reports/summary?from=2026-03-02&to=2026-03-01", { key: m.key });
      expect(backwards).toMatchObject({ status: 400, body: { error: { code: "invalid_request", fields: { from: "is after to" } } } });
      const long = await server.api("GET", "/api/v1/reports/timeseries?from=2020-01-01&to=2026-01-01", { key: m.key });
      expect(long.status).toBe(400);
      expect(long.body.error.message).toContain("at most 731");
      const bad = await server.api("GET", "/api/v1/reports/summary?to=2026-02-30", { key: m.key });
      expect(bad).toMatchObject({ status: 400, body: { error: { fields: { to: "should be a real calendar date" } } } });
      const interval = await server.api("GET", "/api/v1/reports/timeseries?interval=week", { key: m.key });
      expect(interval).toMatchObject({ status: 400, body: { error: { fields: { interval: "should be day" } } } });
    });
  });
}
