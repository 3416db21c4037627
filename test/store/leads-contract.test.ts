import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MAX_CHAIN } from "../../server/domain/lead.js";
import type { Click, Lead } from "../../server/domain/types.js";
import type { LeadStoreState, Store } from "../../server/store/store.js";
import { recordLead } from "../../server/tracking/record-lead.js";
import { affiliate, click, createWorkspace, program } from "../support/records.js";
import { clusterKind } from "../support/cluster-store.js";
import { storeKinds, type StoreHandle } from "../support/stores.js";

// The store side of leads (Store.linkClick, Store.offerLead), in the contract style: every
// backend, the Redis Cluster included, behaves the same.

for (const kind of [...storeKinds, clusterKind]) {
  describe.runIf(kind.available)(`lead store contract: ${kind.name}`, () => {
    let handle: StoreHandle;
    let store: Store;
    beforeEach(async () => {
      handle = await kind.open();
      store = handle.store;
    });
    afterEach(async () => {
      await handle.destroy();
    });

    async function setup() {
      const { ws } = await createWorkspace(store);
      const p = program(ws.id);
      await store.createProgram(p);
      const a = affiliate(p, "ann");
      await store.createAffiliate(a);
      const newClick = async () => {
        const c = click(p, a);
        await store.recordClick(c, `fp-${c.id}`, 1_000);
        return c;
      };
      return { ws, p, newClick };
    }

    it("links a click to the one the visitor held once, and never rewrites it", async () => {
      const { ws, newClick } = await setup();
      const [a, b, c] = [await newClick(), await newClick(), await newClick()];
      expect((await store.linkClick(ws.id, b.id, a.id))?.previousClickId).toBe(a.id);
      expect((await store.linkClick(ws.id, b.id, c.id))?.previousClickId).toBe(a.id);
      expect((await store.getClick(ws.id, b.id))?.previousClickId).toBe(a.id);
      expect((await store.linkClick(ws.id, a.id, a.id))?.previousClickId).toBeUndefined();
      expect(await store.linkClick(ws.id, "icd_gone", a.id)).toBeNull();
      // Racing claims of the history: exactly one is kept.
      const racers = await Promise.all(Array.from({ length: 5 }, () => newClick()));
      await Promise.all(racers.map((r) => store.linkClick(ws.id, c.id, r.id)));
      expect(racers.map((r) => r.id)).toContain((await store.getClick(ws.id, c.id))?.previousClickId);
    });

    it("hands the decision the email's lead, its click, the chain (cycles cut) and the click's emails", async () => {
      const { ws, p, newClick } = await setup();
      const [a, b, c] = [await newClick(), await newClick(), await newClick()];
      await store.linkClick(ws.id, c.id, b.id);
      await store.linkClick(ws.id, b.id, a.id);
      await store.linkClick(ws.id, a.id, c.id); // a cycle: one browser hopping back and forth
      const lead = (clickId: string, email: string): Lead => ({ workspaceId: ws.id, programId: p.id, clickId, email, createdAt: 1, source: "browser" });
      await store.offerLead(lead(a.id, "x@example.com"), 60_000, () => ({ action: "write" as const }), MAX_CHAIN);
      let seen: LeadStoreState | null = null;
      const { decision } = await store.offerLead(lead(c.id, "x@example.com"), 60_000, (s) => ((seen = s), { action: "keep" as const }), MAX_CHAIN);
      expect(decision.action).toBe("keep");
      expect(seen).toMatchObject({ click: { id: c.id }, existing: { clickId: a.id }, existingClick: { id: a.id }, chain: [b.id, a.id], emailsOfClick: [] });
      // The kept lead is unchanged, and the email was counted for click c.
      expect((await store.leadByEmail(ws.id, "x@example.com"))?.clickId).toBe(a.id);
      await store.offerLead(lead(c.id, "y@example.com"), 60_000, (s) => ((seen = s), { action: "refuse" as const }), MAX_CHAIN);
      expect(seen!.emailsOfClick).toEqual(["x@example.com"]);
      expect(await store.leadByEmail(ws.id, "y@example.com")).toBeNull();
    });

    it("serialises racing leads for one email: each decides on what the winner wrote", async () => {
      const { p, newClick } = await setup();
      const clicks: Click[] = [];
      for (let i = 0; i < 8; i++) clicks.push(await newClick());
      const outcomes = await Promise.all(clicks.map((c) => recordLead(store, { program: p, click: c, email: "race@example.com", source: "browser" }, Date.now())));
      const written = outcomes.filter((o) => o.decision.action === "write");
      expect(written).toHaveLength(1);
      expect((await store.leadByEmail(p.workspaceId, "race@example.com"))?.clickId).toBe(written[0].lead!.clickId);
    });
  });
}
