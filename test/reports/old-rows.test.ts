import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildConversion, withRefund } from "../../server/domain/conversion.js";
import type { Click, Conversion } from "../../server/domain/types.js";
import { reportSummary } from "../../server/reports/service.js";
import { keys } from "../../server/store/keys.js";
import { Ledger } from "../../server/store/ledger.js";
import type { Store } from "../../server/store/store.js";
import { affiliate, click, createWorkspace, program } from "../support/records.js";
import { storeKinds, type StoreHandle } from "../support/stores.js";

// An install upgraded from before the report counters holds rows that are in no counter. The
// first report of the workspace counts them once (however many ask at once), and a later change
// of such a row moves the counters by its change only, never below what the rows say.

/** Writes rows as the version before the counters did: documents and indexes, no counters, no marker. */
async function writeAsBefore(store: Store, w: string, rows: { clicks: Click[]; conversions: Conversion[] }) {
  const ok = await store.backend.commit({
    checks: [],
    puts: [
      ...rows.clicks.map((c) => ({ key: keys.click(w, c.id), value: JSON.stringify(c) })),
      ...rows.conversions.map((c) => ({ key: keys.conversion(w, c.id), value: JSON.stringify(c) })),
    ],
    deletes: [keys.statsComplete(w)],
    indexAdds: [
      ...rows.clicks.map((c) => ({ key: keys.clicks(w), member: c.id, score: c.createdAt })),
      ...rows.conversions.map((c) => ({ key: keys.conversions(w), member: c.id, score: c.createdAt })),
    ],
    indexRemoves: [],
  });
  expect(ok).toBe(true);
}

for (const kind of storeKinds) {
  describe.runIf(kind.available)(`rows stored before the counters, on the ${kind.name} store`, () => {
    let handle: StoreHandle;
    beforeEach(async () => {
      handle = await kind.open();
    });
    afterEach(async () => {
      await handle.destroy();
    });

    it("are counted once by the first reports, and a later refund of one moves only its change", async () => {
      const store = handle.store;
      const { ws } = await createWorkspace(store);
      const p = program(ws.id, { holdDays: 30 });
      const a = affiliate(p, "ann");
      await store.createProgram(p);
      await store.createAffiliate(a);
      const now = Date.parse("2026-06-15T12:00:00Z");
      const clicks = [click(p, a, now - 3_600_000), click(p, a, now - 7_200_000)];
      const sale = (amount: number) =>
        buildConversion(ws.id, { id: `evt_${amount}`, accountId: "acct_1", livemode: false }, {
          amount, currency: "usd", paidAt: now, email: null, kind: "one_time",
          stripe: { checkoutSessionId: null, paymentIntentId: null, invoiceId: null, chargeId: null, customerId: null, subscriptionId: null },
        }, { program: p, affiliate: a, clickId: clicks[0].id, matchedBy: "client_reference_id" }, now);
      const conversions = [sale(10_000), sale(5_000)];
      await writeAsBefore(store, ws.id, { clicks, conversions });

      const refund = (id: string, amount: number, of: number) =>
        store.transact(async (u) => {
          const ledger = new Ledger(u, ws.id);
          const c = await ledger.conversion(id);
          ledger.saveConversion(withRefund(c!, amount, of), c, []);
        });
      // Before any report: 1,000 of the second sale goes back. The row was in no counter, so it
      // enters them as it is now (taking its old share away would push them below zero).
      await refund(conversions[1].id, 1_000, 5_000);

      const range = { from: "2026-06-15", to: "2026-06-15" };
      const answers = await Promise.all([1, 2, 3].map(() => reportSummary(store, ws.id, range, now)));
      for (const figures of answers) {
        expect(figures).toMatchObject({ clicks: 2, conversions: 2, revenue: [{ currency: "usd", amount: 14_000 }], commission: [{ currency: "usd", pending: 4_200, reversed: 300 }] });
      }

      // After: half of the first sale goes back; its commission falls by half, nothing else moves.
      await refund(conversions[0].id, 5_000, 10_000);
      expect(await reportSummary(store, ws.id, range, now)).toMatchObject({
        clicks: 2,
        conversions: 2,
        revenue: [{ currency: "usd", amount: 9_000 }],
        commission: [{ currency: "usd", pending: 2_700, reversed: 1_800 }],
      });
      // A second pass finds nothing left to count.
      expect(await store.countOldRows(ws.id)).toEqual({ clicks: 0, conversions: 0 });
    });
  });
}
