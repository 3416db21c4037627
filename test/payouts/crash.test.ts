import { spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterEach, describe, expect, it } from "vitest";
import { newId } from "../../server/domain/ids.js";
import type { Conversion, Payout } from "../../server/domain/types.js";
import { createPayouts } from "../../server/payouts/service.js";
import { Ledger } from "../../server/store/ledger.js";
import type { Store } from "../../server/store/store.js";
import { affiliate, allPages, conversion, createWorkspace, program } from "../support/records.js";
import { storeKinds, type StoreHandle } from "../support/stores.js";

// A payout run killed mid-way (SIGKILL, in its own process, as a crashed instance): every
// approved commission is afterwards in exactly one payout or in none, and the next run pays the
// rest, each once.

const ROOT = new URL("../../", import.meta.url).pathname;
const AFFILIATES = 150;


/** A workspace with AFFILIATES affiliates, each with one approved commission of (i + 1) × $1. */
async function seed(store: Store): Promise<{ workspaceId: string; conversions: Conversion[] }> {
  const { ws } = await createWorkspace(store);
  const p = program(ws.id);
  await store.createProgram(p);
  const conversions: Conversion[] = [];
  for (let i = 0; i < AFFILIATES; i++) {
    const a = affiliate(p, `crash${i}`, { email: `a${i}@example.com` });
    await store.createAffiliate(a);
    conversions.push(conversion({ id: newId("cnv"), workspaceId: ws.id, programId: p.id, affiliateId: a.id, commission: { amount: (i + 1) * 100, currency: "usd" } }));
  }
  await store.transact((u) => {
    const ledger = new Ledger(u, ws.id, Date.now());
    for (const c of conversions) ledger.saveConversion(c, null, []);
  });
  return { workspaceId: ws.id, conversions };
}

/** Every conversion in exactly one payout (the one it names) or in none; answers how many are in one. */
function checkOnePayoutOrNone(conversions: Conversion[], payouts: Payout[]): number {
  const holders = new Map<string, string[]>();
  for (const p of payouts) for (const l of p.lines) holders.set(l.conversionId, [...(holders.get(l.conversionId) ?? []), p.id]);
  let inOne = 0;
  for (const c of conversions) {
    const held = holders.get(c.id) ?? [];
    if (c.payoutId) {
      expect(held, c.id).toEqual([c.payoutId]);
      inOne++;
    } else expect(held, c.id).toEqual([]);
  }
  for (const p of payouts) expect(p.amount).toBe(p.lines.reduce((sum, l) => sum + l.amount, 0));
  return inOne;
}

for (const kind of storeKinds) {
  describe.runIf(kind.available)(`a payout run killed mid-way on the ${kind.name} store`, () => {
    let handle: StoreHandle | undefined;
    afterEach(async () => {
      await handle?.destroy();
    });

    it("leaves every commission in one payout or none, and the next run pays the rest once", async () => {
      handle = await kind.open();
      const store = handle.store;
      const { workspaceId, conversions } = await seed(store);
      // node itself with tsx's loader, not the tsx command: that one runs the script in a child
      // process of its own, which a SIGKILL to it would leave running.
      const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "test/payouts/payout-run.ts"), JSON.stringify(handle.location), workspaceId], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once("exit", (_code, signal) => resolve(signal)));
      // Killed as soon as it has committed its fifth payout.
      let created = 0;
      for await (const line of createInterface({ input: child.stdout })) {
        if (line.startsWith("created ")) created++;
        if (created === 5 || line === "done") break;
      }
      child.kill("SIGKILL");
      expect(await exited, stderr).toBe("SIGKILL");

      const read = () => allPages((cursor) => store.listConversions(workspaceId, { limit: 100, cursor }));
      const payouts = await allPages((cursor) => store.listPayouts(workspaceId, { limit: 100, cursor }));
      const inOne = checkOnePayoutOrNone(await read(), payouts);
      expect(inOne).toBe(payouts.length);
      expect(payouts.length).toBeGreaterThanOrEqual(5);
      expect(payouts.length).toBeLessThan(AFFILIATES);

      const rest = await createPayouts(store, workspaceId, {}, Date.now());
      expect(rest.created).toHaveLength(AFFILIATES - payouts.length);
      const everything = await allPages((cursor) => store.listPayouts(workspaceId, { limit: 100, cursor }));
      expect(checkOnePayoutOrNone(await read(), everything)).toBe(AFFILIATES);
      const total = everything.reduce((sum, p) => sum + p.amount, 0);
      expect(total).toBe(conversions.reduce((sum, c) => sum + c.commission.amount, 0));
    });
  });
}
