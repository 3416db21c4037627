import { buildConversion, withRefund } from "../server/domain/conversion.js";
import type { Affiliate, Program } from "../server/domain/types.js";
import { clickTally, conversionTally } from "../server/reports/figures.js";
import { countTally } from "../server/store/stats.js";
import type { Store } from "../server/store/store.js";

// The counters a workspace of 1,000,000 clicks and 100,000 conversions would have: each row is
// built as the server builds it and its tally added as the server adds it, many rows to a unit.
// The rows themselves are not stored; the reports never read them.

const DAY_MS = 24 * 3600 * 1000;
const CLICKS = 1_000_000;
const CONVERSIONS = 100_000;
const PROGRAMS = 5;
const AFFILIATES = 500;
const DAYS = 90;
const BATCH = 50_000;

export async function seedReportCounters(store: Store, workspaceId: string): Promise<void> {
  const now = Date.now();
  const programs: Program[] = Array.from({ length: PROGRAMS }, (_, i) => ({
    id: `bench_p${i}`, workspaceId, key: `bench_k${i}`, name: `P${i}`, url: "https://shop.example.com", cookieDays: 60, attribution: "last",
    holdDays: 30, commission: { type: "percent", percent: 20 + i }, recurring: { type: "once" }, allowSelfReferral: false, createdAt: now,
  }));
  const affiliates: Affiliate[] = Array.from({ length: AFFILIATES }, (_, i) => ({
    id: `bench_a${i}`, workspaceId, programId: programs[i % PROGRAMS].id, name: `A${i}`, email: `a${i}@example.com`, code: `a${i}`, status: "active", createdAt: now,
  }));
  // A fixed pseudo-random sequence: the same workspace every run.
  let seed = 42;
  const next = (n: number) => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) % n;
  const at = () => now - next(DAYS) * DAY_MS - next(DAY_MS);

  for (let done = 0; done < CLICKS; done += BATCH) {
    await store.transact((u) => {
      for (let i = 0; i < BATCH; i++) {
        const a = affiliates[next(AFFILIATES)];
        countTally(u, workspaceId, clickTally({ createdAt: at(), programId: a.programId, affiliateId: a.id }), 1);
      }
    });
  }
  for (let done = 0; done < CONVERSIONS; done += BATCH) {
    await store.transact((u) => {
      for (let i = 0; i < BATCH; i++) {
        const a = affiliates[next(AFFILIATES)];
        const p = programs[next(PROGRAMS)];
        const paidAt = at();
        const currency = next(4) === 0 ? "eur" : "usd";
        const amount = 1_000 + next(20_000);
        const sale = buildConversion(workspaceId, { id: "evt_bench", accountId: "acct_bench", livemode: next(10) !== 0 }, {
          amount, currency, paidAt, email: null, kind: "one_time",
          stripe: { checkoutSessionId: null, paymentIntentId: null, invoiceId: null, chargeId: null, customerId: null, subscriptionId: null },
        }, { program: { ...p, id: a.programId }, affiliate: a, clickId: null, matchedBy: "client_reference_id" }, paidAt);
        const row = next(10) === 0 ? withRefund(sale, next(amount + 1), amount) : sale;
        const tally = conversionTally(row);
        if (tally) countTally(u, workspaceId, tally, 1);
      }
    });
  }
}
