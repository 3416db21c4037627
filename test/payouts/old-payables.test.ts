import { afterEach, describe, expect, it } from "vitest";
import { newId } from "../../server/domain/ids.js";
import type { Conversion } from "../../server/domain/types.js";
import { createPayouts } from "../../server/payouts/service.js";
import { emptyCommit } from "../../server/store/backend.js";
import { keys } from "../../server/store/keys.js";
import { affiliate, conversion, createWorkspace, program } from "../support/records.js";
import { storeKinds, type StoreHandle } from "../support/stores.js";

// An upgrade: commissions an earlier version stored as approved are in no payable index. The first
// payout run indexes them once, so they are paid like the rest, and only once.

for (const kind of storeKinds) {
  describe.runIf(kind.available)(`approved commissions from before payouts, on the ${kind.name} store`, () => {
    let handle: StoreHandle | undefined;
    afterEach(async () => {
      await handle?.destroy();
    });

    it("are paid by the first run after the upgrade, once", async () => {
      handle = await kind.open();
      const store = handle.store;
      const { ws } = await createWorkspace(store);
      const p = program(ws.id);
      await store.createProgram(p);
      const a = affiliate(p, "old", { email: "old@example.com" });
      await store.createAffiliate(a);
      // Written as an earlier version wrote them: the document and its list index, nothing else.
      const old: Conversion[] = [1, 2].map((i) => conversion({ id: newId("cnv"), workspaceId: ws.id, programId: p.id, affiliateId: a.id, commission: { amount: 1_000 * i, currency: "usd" }, counted: true }));
      await store.backend.commit({
        ...emptyCommit(),
        puts: old.map((c) => ({ key: keys.conversion(ws.id, c.id), value: JSON.stringify(c) })),
        indexAdds: old.map((c) => ({ key: keys.conversions(ws.id), member: c.id, score: c.createdAt })),
      });
      expect(await store.payableConversions(ws.id, 10)).toEqual([]);

      const first = await createPayouts(store, ws.id, {}, Date.now());
      expect(first.created.map((x) => x.amount)).toEqual([3_000]);
      expect((await createPayouts(store, ws.id, {}, Date.now())).created).toEqual([]);
      expect(await store.indexOldPayables(ws.id)).toBe(0); // the marker: done once
    });
  });
}
