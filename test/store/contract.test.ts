import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { newId, newLinkCode } from "../../server/domain/ids.js";
import { hashApiKey } from "../../server/domain/password.js";
import type { Conversion, Link, Program, WebhookDelivery } from "../../server/domain/types.js";
import { affiliate, click, createWorkspace, program } from "../support/records.js";
import { StoreConflict, type Store } from "../../server/store/store.js";
import { clusterKind } from "../support/cluster-store.js";
import { openAt, storeKinds, type StoreHandle } from "../support/stores.js";
import type { Unit } from "../../server/store/unit.js";
import { keys } from "../../server/store/keys.js";

// One suite, run against every store implementation: they must behave the same.

for (const kind of [...storeKinds, clusterKind]) {
  describe.runIf(kind.available)(`store contract: ${kind.name}`, () => {
    let handle: StoreHandle;
    let store: Store;
    beforeEach(async () => {
      handle = await kind.open();
      store = handle.store;
    });
    afterEach(async () => {
      await handle.destroy();
    });

    it("applies a counter's increments with the commit that carries them, exactly, however many writers race", async () => {
      const { ws } = await createWorkspace(store);
      const doc = keys.workspace(ws.id);
      const counter = keys.stats(ws.id, "all", "2026-01-01");
      const untouched = keys.stats(ws.id, "all", "2026-01-02");
      // 60 writers each read-modify-write one document and add to one counter: every rerun of a
      // conflicted unit must leave no trace, so the counter equals the writes that landed.
      await Promise.all(
        Array.from({ length: 60 }, () =>
          store.transact(async (u) => {
            const current = await u.read<{ n?: number }>(doc);
            u.write(doc, { ...current, n: (current?.n ?? 0) + 1 });
            u.count(counter, "n", 1);
            u.count(counter, "big", 1_000_000_000_000);
            u.count(counter, "down", -7);
          }),
        ),
      );
      const stale = await store.backend.get(doc);
      const refused = await store.backend.commit({
        checks: [{ key: doc, version: (stale?.version ?? 0) - 1 }],
        puts: [],
        deletes: [],
        indexAdds: [],
        indexRemoves: [],
        increments: [{ key: counter, field: "n", by: 1000 }],
      });
      expect(refused).toBe(false);
      expect(JSON.parse((await store.backend.get(doc))?.value ?? "{}")).toMatchObject({ n: 60 });
      expect(await store.backend.counters([counter, untouched])).toEqual([{ n: 60, big: 60_000_000_000_000, down: -420 }, {}]);
    });

    it("keeps a document's value byte for byte through commit and commitOnce, whatever characters it holds", async () => {
      const { ws } = await createWorkspace(store);
      // Quotes, backslashes, escapes, control characters, accents, CJK, an emoji and JSON-looking
      // text: a value reaches Redis as a script argument of its own and must come back unchanged.
      const values = [
        JSON.stringify({ name: 'Zoë "the" \\ affiliate', note: "line\nbreak\ttab\u0001", city: "東京", mood: "🚀", raw: '{"a":[1,2]}' }),
        'plain text, not JSON: "quoted" \\n',
        "",
      ];
      // Keys of the workspace's own hash tag: a commit touches one tag (and one Cluster slot).
      const plain = values.map((_, i) => `${keys.workspace(ws.id)}:value-${i}`);
      const applied = await store.backend.commit({ checks: [], puts: values.map((value, i) => ({ key: plain[i], value })), deletes: [], indexAdds: [], indexRemoves: [] });
      expect(applied).toBe(true);
      expect((await store.backend.getMany(plain)).map((d) => d?.value)).toEqual(values);
      const guarded = `${keys.workspace(ws.id)}:guarded`;
      const answer = await store.backend.commitOnce(
        { checks: [], puts: [{ key: guarded, value: values[0], ttlMs: 60_000 }], deletes: [], indexAdds: [], indexRemoves: [] },
        { absent: `${keys.workspace(ws.id)}:absent` },
      );
      expect(answer).toEqual({ outcome: "applied" });
      expect((await store.backend.get(guarded))?.value).toBe(values[0]);
    });

    it("creates a workspace found by its API key hash, and refuses a second account for one email", async () => {
      const { ws, key } = await createWorkspace(store, "owner@example.com");
      expect((await store.workspaceByApiKeyHash(hashApiKey(key)))?.id).toBe(ws.id);
      expect(await store.workspaceByApiKeyHash(hashApiKey("ik_wrong"))).toBeNull();
      expect((await store.memberByEmail("OWNER@example.com"))?.workspaceId).toBe(ws.id);
      await expect(createWorkspace(store, "Owner@Example.com")).rejects.toBeInstanceOf(StoreConflict);
    });

    it("stores programs, finds one by its public key, and pages through a list with a cursor", async () => {
      const { ws } = await createWorkspace(store);
      const made: Program[] = [];
      for (let i = 0; i < 5; i++) {
        const p = program(ws.id, { name: `P${i}`, createdAt: 1_000 + i });
        await store.createProgram(p);
        made.push(p);
      }
      expect((await store.programByKey(made[2].key))?.id).toBe(made[2].id);
      const first = await store.listPrograms(ws.id, { limit: 2 });
      expect(first.data.map((p) => p.name)).toEqual(["P4", "P3"]);
      expect(first.nextCursor).not.toBeNull();
      const second = await store.listPrograms(ws.id, { limit: 2, cursor: first.nextCursor });
      expect(second.data.map((p) => p.name)).toEqual(["P2", "P1"]);
      const third = await store.listPrograms(ws.id, { limit: 2, cursor: second.nextCursor });
      expect(third.data.map((p) => p.name)).toEqual(["P0"]);
      expect(third.nextCursor).toBeNull();
      const ranged = await store.listPrograms(ws.id, { limit: 10, from: 1_001, to: 1_003 });
      expect(ranged.data.map((p) => p.name)).toEqual(["P3", "P2", "P1"]);
    });

    it("keeps affiliate codes unique per program, case-insensitively, and free across programs", async () => {
      const { ws } = await createWorkspace(store);
      const p1 = program(ws.id);
      const p2 = program(ws.id);
      await store.createProgram(p1);
      await store.createProgram(p2);
      const ann = affiliate(p1, "ann");
      await store.createAffiliate(ann);
      await expect(store.createAffiliate(affiliate(p1, "ANN"))).rejects.toMatchObject({ code: "conflict", field: "code" });
      await store.createAffiliate(affiliate(p2, "ann"));
      expect((await store.affiliateByCode(ws.id, p1.id, "Ann"))?.id).toBe(ann.id);
      await store.updateAffiliate(ws.id, ann.id, { code: "annie" });
      expect(await store.affiliateByCode(ws.id, p1.id, "ann")).toBeNull();
      expect((await store.affiliateByCode(ws.id, p1.id, "annie"))?.id).toBe(ann.id);
      const list = await store.listAffiliates(ws.id, { limit: 10, programId: p1.id });
      expect(list.data.map((a) => a.id)).toEqual([ann.id]);
    });

    it("finds a link by its global code and deletes it", async () => {
      const { ws } = await createWorkspace(store);
      const p = program(ws.id);
      await store.createProgram(p);
      const a = affiliate(p, "ann");
      await store.createAffiliate(a);
      const link: Link = {
        id: newId("lnk"),
        workspaceId: ws.id,
        programId: p.id,
        affiliateId: a.id,
        code: newLinkCode(),
        path: "/pricing",
        createdAt: Date.now(),
      };
      await store.createLink(link);
      expect((await store.linkByCode(link.code))?.id).toBe(link.id);
      await expect(store.deleteAffiliate(a)).rejects.toBeInstanceOf(StoreConflict);
      await store.deleteLink(link);
      expect(await store.linkByCode(link.code)).toBeNull();
      expect((await store.listLinks(ws.id, { limit: 10 })).data).toEqual([]);
    });

    it("reuses a visitor's click within the repeat window, even when 20 requests race", async () => {
      const { ws } = await createWorkspace(store);
      const p = program(ws.id);
      await store.createProgram(p);
      const a = affiliate(p, "ann");
      await store.createAffiliate(a);
      const results = await Promise.all(
        Array.from({ length: 20 }, () => store.recordClick(click(p, a), "visitor-1", 30 * 60 * 1000)),
      );
      const ids = new Set(results.map((r) => r.click.id));
      expect(ids.size).toBe(1);
      expect(results.filter((r) => !r.repeated)).toHaveLength(1);
      const other = await store.recordClick(click(p, a), "visitor-2", 30 * 60 * 1000);
      expect(ids.has(other.click.id)).toBe(false);
      const listed = await store.listClicks(ws.id, { limit: 10, affiliateId: a.id });
      expect(listed.data).toHaveLength(2);
      expect((await store.getClick(ws.id, other.click.id))?.affiliateId).toBe(a.id);
    });

    it("applies a guarded commit once: counts the rate first, stops past its limit, answers the guard's document", async () => {
      const { ws } = await createWorkspace(store);
      const guard = `{ws:${ws.id}}:guard`;
      const rate = { key: `{ws:${ws.id}}:rate:test`, windowMs: 60_000, limit: 3 };
      const write = (n: number) => ({
        checks: [], deletes: [], indexRemoves: [],
        puts: [{ key: guard, value: JSON.stringify({ n }), ttlMs: 60_000 }],
        indexAdds: [{ key: `{ws:${ws.id}}:guarded`, member: `m${n}`, score: n }],
        increments: [{ key: `{ws:${ws.id}}:guardcount`, field: "n", by: 1 }],
      });
      // 10 racing commits: one applies, the other two within the limit see its document, the
      // rest are limited; only the one that applied left its index entry and counter.
      const outcomes = await Promise.all(Array.from({ length: 10 }, (_, n) => store.backend.commitOnce(write(n), { absent: guard, rate })));
      expect(outcomes.filter((o) => o.outcome === "applied")).toHaveLength(1);
      const seen = outcomes.flatMap((o) => (o.outcome === "exists" ? [JSON.parse(o.doc.value) as unknown] : []));
      const winner = outcomes.findIndex((o) => o.outcome === "applied");
      expect(seen).toEqual([{ n: winner }, { n: winner }]);
      expect(outcomes.filter((o) => o.outcome === "limited")).toHaveLength(7);
      expect((await store.backend.range(`{ws:${ws.id}}:guarded`, { limit: 10 })).map((e) => e.member)).toEqual([`m${winner}`]);
      expect(await store.backend.counters([`{ws:${ws.id}}:guardcount`])).toEqual([{ n: 1 }]);
      // The rate is a plain hit counter: hit() goes on from where the guarded commits left it.
      expect(await store.backend.hit(rate.key, 60_000)).toBe(11);
      // Without a rate, a failed check is a conflict that writes nothing.
      const other = `{ws:${ws.id}}:guard2`;
      const conflict = await store.backend.commitOnce({ ...write(99), checks: [{ key: guard, version: null }], puts: [{ key: other, value: "{}" }] }, { absent: other });
      expect(conflict).toEqual({ outcome: "conflict" });
      expect(await store.backend.get(other)).toBeNull();
    });

    it("records clicks within an address's rate and none past it, and a repeat visit after its click was deleted makes a new one", async () => {
      const { ws } = await createWorkspace(store);
      const p = program(ws.id);
      await store.createProgram(p);
      const a = affiliate(p, "ann");
      await store.createAffiliate(a);
      const rate = { bucket: "click:1:address", windowMs: 60_000, limit: 2 };
      const first = await store.recordClick(click(p, a), "v1", 60_000, rate);
      const again = await store.recordClick(click(p, a), "v1", 60_000, rate);
      expect(first?.repeated).toBe(false);
      expect(again?.repeated).toBe(true);
      expect(again?.click.id).toBe(first?.click.id);
      expect(await store.recordClick(click(p, a), "v2", 60_000, rate)).toBeNull();
      expect((await store.listClicks(ws.id, { limit: 10 })).data).toHaveLength(1);
      // Another address has its own bucket.
      const elsewhere = await store.recordClick(click(p, a), "v2", 60_000, { ...rate, bucket: "click:1:other" });
      expect(elsewhere?.repeated).toBe(false);
      // The repeat key outlives a click deleted under it: the visitor's next click is recorded anew.
      await store.backend.commit({ checks: [], puts: [], deletes: [keys.click(ws.id, elsewhere?.click.id ?? "")], indexAdds: [], indexRemoves: [] });
      const anew = await store.recordClick(click(p, a), "v2", 60_000);
      expect(anew.repeated).toBe(false);
      expect(anew.click.id).not.toBe(elsewhere?.click.id);
      expect((await store.recordClick(click(p, a), "v2", 60_000)).click.id).toBe(anew.click.id);
    });

    it("drops a click whose document expired from the lists that indexed it", async () => {
      const { ws } = await createWorkspace(store);
      const p = program(ws.id);
      await store.createProgram(p);
      const a = affiliate(p, "ann");
      await store.createAffiliate(a);
      const { click: kept } = await store.recordClick(click(p, a), "visitor-kept", 60_000);
      const { click: gone } = await store.recordClick(click(p, a), "visitor-gone", 60_000);
      // What the store's time to live does to an old click, done at once.
      await store.backend.commit({ checks: [], puts: [], deletes: [`{ws:${ws.id}}:click:${gone.id}`], indexAdds: [], indexRemoves: [] });
      expect((await store.listClicks(ws.id, { limit: 10 })).data.map((c) => c.id)).toEqual([kept.id]);
      expect((await store.backend.range(`{ws:${ws.id}}:clicks`, { limit: 10 })).map((e) => e.member)).toEqual([kept.id]);
    });

    it("records one Stripe event id exactly once when 50 deliveries race", async () => {
      const { ws } = await createWorkspace(store);
      let applied = 0;
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, () =>
          store.recordEventOnce(ws.id, "evt_race", async (u) => {
            const key = `{ws:${ws.id}}:counter`;
            const count = (await u.read<number>(key)) ?? 0;
            u.write(key, count + 1);
            applied++;
            return count + 1;
          }),
        ),
      );
      expect(outcomes.filter((o) => !o.duplicate)).toHaveLength(1);
      expect(outcomes.filter((o) => o.duplicate)).toHaveLength(49);
      expect(applied).toBeGreaterThanOrEqual(1);
      expect(await store.eventRecorded(ws.id, "evt_race")).toBe(true);
      const counter = await store.transact((u) => u.read<number>(`{ws:${ws.id}}:counter`));
      expect(counter).toBe(1);
    });

    it("writes a delivery's row in the event's own commit: one applied row, the racing rest duplicate", async () => {
      const { ws } = await createWorkspace(store);
      const row = (r: { duplicate: boolean }): WebhookDelivery => ({
        id: newId("whd"),
        workspaceId: ws.id,
        eventId: "evt_row",
        type: "invoice.paid",
        accountId: "acct_1",
        livemode: false,
        apiVersion: null,
        receivedAt: 5_000,
        outcome: r.duplicate ? "duplicate" : "processed",
        message: r.duplicate ? "again" : "applied",
      });
      await Promise.all(Array.from({ length: 20 }, () => store.recordEventOnce(ws.id, "evt_row", () => "done", row)));
      const rows = (await store.listDeliveries(ws.id, { limit: 50 })).data;
      expect(rows).toHaveLength(20);
      expect(rows.filter((d) => d.outcome === "processed")).toHaveLength(1);
      expect(rows.filter((d) => d.outcome === "duplicate")).toHaveLength(19);
      // A row is never overwritten: writing one id again keeps the first.
      expect(await store.addDelivery({ ...rows[0], message: "rewritten" })).toBe(false);
      expect((await store.listDeliveries(ws.id, { limit: 50 })).data.some((d) => d.message === "rewritten")).toBe(false);
    });

    it("coalesces deliveries with one row id into one row whose count grows, even when they race", async () => {
      const { ws } = await createWorkspace(store);
      const rejected = (workspaceId: string | null, message: string): WebhookDelivery => ({
        id: "whd_coalesced",
        workspaceId,
        eventId: null,
        type: null,
        accountId: null,
        livemode: null,
        apiVersion: null,
        receivedAt: 6_000,
        outcome: "rejected",
        message,
      });
      await Promise.all(Array.from({ length: 10 }, (_, i) => store.addCoalescedDelivery(rejected(ws.id, `bad ${i}`), 60_000)));
      await store.addCoalescedDelivery(rejected(ws.id, "late"), 60_000, 5);
      const rows = (await store.listDeliveries(ws.id, { limit: 50 })).data;
      expect(rows).toHaveLength(1);
      expect(rows[0].count).toBe(15);
      expect(rows[0].message).not.toBe("late");
      await store.addCoalescedDelivery(rejected(null, "global"), 60_000, 3);
      expect((await store.listPlatformDeliveries({ limit: 50 })).data).toMatchObject([{ id: "whd_coalesced", count: 3, message: "global" }]);
    });

    it("checks at commit only what the work read of what it read ahead, at the version fetched", async () => {
      const { ws } = await createWorkspace(store);
      const [used, unused, out] = ["used", "unused", "out"].map((k) => `{ws:${ws.id}}:${k}`);
      await store.transact((u) => {
        u.write(used, 1);
        u.write(unused, 1);
      });
      // Changed after being read ahead: the one the work did not read makes no conflict...
      let runs = 0;
      await store.recordEventOnce(
        ws.id,
        "evt_ahead_unused",
        async (u) => {
          runs++;
          if (runs === 1) await store.transact((v) => v.write(unused, 2));
          u.write(out, (await u.read<number>(used)) ?? 0);
        },
        undefined,
        { readAhead: [used, unused] },
      );
      expect(runs).toBe(1);
      // ...and the one it read does: the work runs again on what is there now.
      const seen: (number | null)[] = [];
      await store.recordEventOnce(
        ws.id,
        "evt_ahead_used",
        async (u) => {
          if (seen.length === 0) await store.transact((v) => v.write(used, 7));
          const value = await u.read<number>(used);
          seen.push(value);
          u.write(out, value);
        },
        undefined,
        { readAhead: [used, unused] },
      );
      expect(seen).toEqual([1, 7]);
      expect(await store.transact((u) => u.read<number>(out))).toBe(7);
    });

    it("reads a unit's keys asked for together in one call to the backend, each checked at commit", async () => {
      const { ws } = await createWorkspace(store);
      const [a, b] = ["a", "b"].map((k) => `{ws:${ws.id}}:${k}`);
      await store.transact((u) => {
        u.write(a, "A");
        u.write(b, "B");
      });
      const calls: string[][] = [];
      const getMany = store.backend.getMany.bind(store.backend);
      const get = store.backend.get.bind(store.backend);
      store.backend.getMany = (ks) => (calls.push(ks), getMany(ks));
      store.backend.get = (k) => (calls.push([k]), get(k));
      let runs = 0;
      try {
        const read = await store.transact(async (u) => {
          runs++;
          const both = await Promise.all([u.read<string>(a), u.read<string>(b), u.read<string>(a)]);
          if (runs === 1) await store.transact((v) => v.write(b, "B2"));
          u.write(`{ws:${ws.id}}:copy`, both.join(""));
          return both;
        });
        expect(read).toEqual(["A", "B2", "A"]);
      } finally {
        store.backend.getMany = getMany;
        store.backend.get = get;
      }
      // Each run read a and b in one call; the change to b between read and commit made it rerun.
      expect(runs).toBe(2);
      expect(calls.filter((ks) => ks.includes(a))).toEqual([[a, b], [a, b]]);
    });

    it("answers remembered programs as current: a change by another instance reruns the work, one here is seen at once", async () => {
      const { ws } = await createWorkspace(store);
      const location = handle.location;
      if (!location) throw new Error("this store kind has no location for a second instance");
      const other = await openAt(location);
      const key = keys.program(ws.id, "prg_remembered");
      const save = (s: Store, n: number) => s.transact((u) => u.write(key, { n }));
      const readN = async (u: Unit) => (await u.readRemembered<{ n: number }>(key))?.n ?? null;
      try {
        await save(store, 1);
        expect(await store.transact(readN)).toBe(1); // now remembered here
        await save(other, 2);
        // A unit that writes: its first run used the remembered 1, its commit failed, the rerun read 2.
        const seen: (number | null)[] = [];
        await store.transact(async (u) => {
          seen.push(await readN(u));
          u.write(`{ws:${ws.id}}:copy`, { n: seen.at(-1) });
        });
        expect(seen).toEqual([1, 2]);
        // A unit that only reads still has its remembered reads checked.
        await save(other, 3);
        const runs: (number | null)[] = [];
        expect(await store.transact(async (u) => (runs.push(await readN(u)), runs.at(-1)))).toBe(3);
        expect(runs).toEqual([2, 3]);
        // A change committed by this instance is never answered from memory afterwards.
        await save(store, 4);
        const afterOwn: (number | null)[] = [];
        await store.transact(async (u) => void afterOwn.push(await readN(u)));
        expect(afterOwn).toEqual([4]);
      } finally {
        await other.close();
      }
    });

    it("writes nothing of an event whose work throws, so a retry starts clean", async () => {
      const { ws } = await createWorkspace(store);
      await expect(
        store.recordEventOnce(ws.id, "evt_fail", async (u) => {
          u.write(`{ws:${ws.id}}:partial`, 1);
          throw new Error("boom");
        }),
      ).rejects.toThrow("boom");
      expect(await store.eventRecorded(ws.id, "evt_fail")).toBe(false);
      expect(await store.transact((u) => u.read(`{ws:${ws.id}}:partial`))).toBeNull();
    });

    it("lists conversions and deliveries newest first with filters, and keeps workspaces apart", async () => {
      const { ws } = await createWorkspace(store);
      const { ws: other } = await createWorkspace(store);
      for (let i = 0; i < 3; i++) {
        const d: WebhookDelivery = {
          id: newId("whd"),
          workspaceId: ws.id,
          eventId: `evt_${i}`,
          type: "invoice.paid",
          accountId: "acct_1",
          livemode: false,
          apiVersion: "2026-10-28.endive",
          receivedAt: 10_000 + i,
          outcome: i === 1 ? "duplicate" : "processed",
          message: "ok",
        };
        await store.addDelivery(d);
      }
      const dupes = await store.listDeliveries(ws.id, { limit: 10, outcome: "duplicate" });
      expect(dupes.data.map((d) => d.eventId)).toEqual(["evt_1"]);
      expect((await store.listDeliveries(ws.id, { limit: 10 })).data.map((d) => d.eventId)).toEqual(["evt_2", "evt_1", "evt_0"]);
      expect((await store.listDeliveries(other.id, { limit: 10 })).data).toEqual([]);
      expect((await store.listConversions(ws.id, { limit: 10 })).data).toEqual([]);
    });

    it("answers an OAuth state once", async () => {
      const { ws } = await createWorkspace(store);
      const state = { workspaceId: ws.id, memberId: "m", sessionId: "s", livemode: null, createdAt: Date.now() };
      await store.putOAuthState("st_1", state, 600_000);
      const taken = await Promise.all([store.takeOAuthState("st_1"), store.takeOAuthState("st_1")]);
      expect(taken.filter(Boolean)).toHaveLength(1);
      expect(await store.takeOAuthState("st_1")).toBeNull();
    });

    it("reads an account's connection with the workspace's documents named, and follows the account to a workspace that connects it after", async () => {
      const { ws } = await createWorkspace(store);
      const { ws: other } = await createWorkspace(store);
      const base = { accountId: "acct_moves", livemode: false, method: "oauth" as const, sealedToken: "sealed", webhook: null, status: "connected" as const, lastEventAt: null, problem: null, connectedAt: Date.now() };
      const named = (w: string) => [`{ws:${w}}:named`];
      await store.transact((u) => u.write(`{ws:${ws.id}}:named`, "here"));
      await store.putConnection({ ...base, workspaceId: ws.id });
      const first = await store.connectionWith("acct_moves", false, named);
      expect(first.connection?.workspaceId).toBe(ws.id);
      expect(first.ahead.get(`{ws:${ws.id}}:named`)?.value).toBe(JSON.stringify("here"));
      expect((await store.connectionWith("acct_nobody", false, named)).connection).toBeNull();
      // Disconnected here and connected elsewhere: the next lookup finds the new workspace.
      await store.putConnection({ ...base, workspaceId: ws.id, status: "disconnected" });
      await store.putConnection({ ...base, workspaceId: other.id });
      const moved = await store.connectionWith("acct_moves", false, named);
      expect(moved.connection?.workspaceId).toBe(other.id);
      expect([...moved.ahead.keys()]).toContain(`{ws:${other.id}}:named`);
    });

    it("routes a Stripe account to its workspace per mode, and refuses it to a second workspace", async () => {
      const { ws } = await createWorkspace(store);
      const { ws: other } = await createWorkspace(store);
      const base = {
        accountId: "acct_1",
        method: "oauth" as const,
        sealedToken: "sealed",
        webhook: null,
        status: "connected" as const,
        lastEventAt: null,
        problem: null,
        connectedAt: Date.now(),
      };
      await store.putConnection({ ...base, workspaceId: ws.id, livemode: false });
      await store.putConnection({ ...base, workspaceId: ws.id, livemode: true });
      expect((await store.connectionByAccount("acct_1", true))?.livemode).toBe(true);
      expect(await store.listConnections(ws.id)).toHaveLength(2);
      await expect(store.putConnection({ ...base, workspaceId: other.id, livemode: false })).rejects.toBeInstanceOf(StoreConflict);
      await store.touchConnection(ws.id, "acct_1", false, 5);
      expect((await store.getConnection(ws.id, "acct_1", false))?.lastEventAt).toBe(5);
    });

    it("keeps a session until deleted; ends a member's sessions by epoch; changes a password only over the hash verified", async () => {
      const { ws } = await createWorkspace(store, "sessions@example.com");
      const member = (await store.memberByEmail("sessions@example.com"))!;
      const now = Date.now();
      const session = { id: "s".repeat(43), workspaceId: ws.id, memberId: member.id, epoch: 0, createdAt: now, expiresAt: now + 60_000 };
      await store.createSession(session);
      expect(await store.getSession(ws.id, session.id)).toEqual(session);
      await store.deleteSession(ws.id, session.id);
      expect(await store.getSession(ws.id, session.id)).toBeNull();

      expect((await store.endMemberSessions(ws.id, member.id))?.sessionEpoch).toBe(1);
      expect(await store.endMemberSessions(ws.id, "mem_none")).toBeNull();
      expect(await store.changePassword(ws.id, member.id, "not the stored hash", "new")).toBeNull();
      const changed = await Promise.all([store.changePassword(ws.id, member.id, "x", "new-a"), store.changePassword(ws.id, member.id, "x", "new-b")]);
      expect(changed.filter(Boolean)).toHaveLength(1);
      const after = (await store.getMember(ws.id, member.id))!;
      expect(after.sessionEpoch).toBe(2);
      expect(["new-a", "new-b"]).toContain(after.passwordHash);
    });

    it("creates, lists and deletes API keys; a deleted key finds no workspace", async () => {
      const { ws } = await createWorkspace(store);
      const { ws: other } = await createWorkspace(store);
      // Each workspace starts with the key its signup made, listed like any other.
      const [signupKey] = await store.listApiKeys(ws.id);
      expect(signupKey.workspaceId).toBe(ws.id);
      expect(await store.listApiKeys(other.id)).toHaveLength(1);
      const made = [0, 1, 2].map((i) => ({ id: newId("key"), workspaceId: ws.id, hash: hashApiKey(`ik_${ws.id}_${i}`), prefix: "ik_abcd", createdAt: signupKey.createdAt + 1 + i }));
      for (const k of made) await store.createApiKey(k);
      const ids = async (w: string) => (await store.listApiKeys(w)).map((k) => k.id);
      expect(await ids(ws.id)).toEqual([made[2].id, made[1].id, made[0].id, signupKey.id]);
      expect(await ids(other.id)).not.toContain(made[0].id);
      expect((await store.workspaceByApiKeyHash(made[1].hash))?.id).toBe(ws.id);
      expect(await store.deleteApiKey(other.id, made[1].id)).toBe(false);
      expect(await store.deleteApiKey(ws.id, made[1].id)).toBe(true);
      expect(await store.workspaceByApiKeyHash(made[1].hash)).toBeNull();
      expect(await ids(ws.id)).toEqual([made[2].id, made[0].id, signupKey.id]);
      expect(await store.deleteApiKey(ws.id, made[1].id)).toBe(false);
      await expect(store.createApiKey({ ...made[0], id: newId("key") })).rejects.toBeInstanceOf(StoreConflict);
      expect(await store.listApiKeys(ws.id)).toHaveLength(3);
      expect(await store.deleteApiKey(ws.id, signupKey.id)).toBe(true);
      expect(await store.workspaceByApiKeyHash(signupKey.hash)).toBeNull();
    });

    it("counts hits in a window", async () => {
      const bucket = `b-${newId("ws")}`;
      expect(await store.hit(bucket, 60_000)).toBe(1);
      expect(await store.hit(bucket, 60_000)).toBe(2);
    });

    it("keeps what was written across a restart", async () => {
      const { ws } = await createWorkspace(store);
      const p = program(ws.id);
      await store.createProgram(p);
      const conversion = { id: newId("cnv"), workspaceId: ws.id } as Conversion;
      await store.recordEventOnce(ws.id, "evt_keep", async (u) => {
        u.write(`{ws:${ws.id}}:conversion:${conversion.id}`, conversion);
      });
      store = await handle.reopen();
      expect((await store.programByKey(p.key))?.id).toBe(p.id);
      expect((await store.getConversion(ws.id, conversion.id))?.id).toBe(conversion.id);
      expect(await store.eventRecorded(ws.id, "evt_keep")).toBe(true);
    });
  });
}
