import { randomBytes } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RangeQuery } from "../../server/store/backend.js";
import type { Store } from "../../server/store/store.js";
import { clusterKind } from "../support/cluster-store.js";
import { storeKinds, type StoreHandle } from "../support/stores.js";

// Store properties the review found broken (issue 7, items 8 and 9), in the contract style: the same
// tests on every store implementation, the local Redis Cluster included.

for (const kind of [...storeKinds, clusterKind]) {
  describe.runIf(kind.available)(`store integrity: ${kind.name}`, () => {
    let handle: StoreHandle;
    let store: Store;
    beforeEach(async () => {
      handle = await kind.open();
      store = handle.store;
    });
    afterEach(async () => {
      await handle.destroy();
    });

    describe("index pages with many equal scores", () => {
      const index = "{ws:ties}:entries";
      const TIED = 1_000;
      // 500 members at one score, in random (not insertion) member order, between a few others.
      const tied = Array.from({ length: 500 }, () => randomBytes(6).toString("hex"));
      const others = [
        { member: "a-low", score: TIED - 1 },
        { member: "z-low", score: TIED - 1 },
        { member: "a-high", score: TIED + 1 },
        { member: "m-high", score: TIED + 2 },
      ];
      const all = [...tied.map((member) => ({ member, score: TIED })), ...others];
      const order = (a: { member: string; score: number }, b: { member: string; score: number }) =>
        a.score - b.score || (a.member < b.member ? -1 : a.member > b.member ? 1 : 0);

      beforeEach(async () => {
        for (let i = 0; i < all.length; i += 100) {
          const indexAdds = all.slice(i, i + 100).map((e) => ({ key: index, ...e }));
          expect(await store.backend.commit({ checks: [], puts: [], deletes: [], indexAdds, indexRemoves: [] })).toBe(true);
        }
      });

      async function pageThrough(q: Omit<RangeQuery, "after">): Promise<string[]> {
        const seen: string[] = [];
        let after: RangeQuery["after"];
        for (let round = 0; round < 1_000; round++) {
          const page = await store.backend.range(index, { ...q, after });
          seen.push(...page.map((e) => e.member));
          if (page.length < q.limit) return seen;
          after = page[page.length - 1];
        }
        throw new Error("paging did not end");
      }

      it.each([
        { limit: 7, reverse: false },
        { limit: 7, reverse: true },
        { limit: 1, reverse: false },
        { limit: 64, reverse: true },
        { limit: 13, reverse: false, min: TIED, max: TIED },
        { limit: 13, reverse: true, min: TIED, max: TIED + 1 },
        { limit: 5, reverse: true, min: TIED - 1, max: TIED },
        { limit: 9, reverse: false, min: TIED + 1 },
        { limit: 9, reverse: true, max: TIED - 1 },
      ])("returns each entry exactly once, in order: %o", async (q) => {
        const expected = all
          .filter((e) => (q.min === undefined || e.score >= q.min) && (q.max === undefined || e.score <= q.max))
          .sort(order)
          .map((e) => e.member);
        if (q.reverse) expected.reverse();
        expect(await pageThrough(q)).toEqual(expected);
      });

      it("resumes after a cursor whose member was removed meanwhile", async () => {
        const sorted = [...tied].sort();
        const first = await store.backend.range(index, { limit: 100, min: TIED, max: TIED });
        expect(first.map((e) => e.member)).toEqual(sorted.slice(0, 100));
        const cursor = first[first.length - 1];
        await store.backend.commit({ checks: [], puts: [], deletes: [], indexAdds: [], indexRemoves: [{ key: index, member: cursor.member }] });
        const next = await store.backend.range(index, { limit: 100, min: TIED, max: TIED, after: cursor });
        expect(next.map((e) => e.member)).toEqual(sorted.slice(100, 200));
        const back = await store.backend.range(index, { limit: 3, reverse: true, min: TIED, max: TIED, after: cursor });
        expect(back.map((e) => e.member)).toEqual(sorted.slice(96, 99).reverse());
      });
    });
  });
}
