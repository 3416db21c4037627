import { randomBytes } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { newApiKey, newId, newLinkCode } from "../../server/domain/ids.js";
import { hashApiKey } from "../../server/domain/password.js";
import type { Affiliate, ApiKey, Link, Member, Program, StripeConnection, Workspace } from "../../server/domain/types.js";
import type { Backend, Commit, Guard, RangeQuery } from "../../server/store/backend.js";
import { Store } from "../../server/store/store.js";
import { affiliate, createWorkspace, program } from "../support/records.js";
import { clusterKind } from "../support/cluster-store.js";
import { storeKinds, type StoreHandle } from "../support/stores.js";

/**
 * A backend whose process "dies" at its Nth commit: that commit is applied or not (`applied`), then
 * it and every later call throw, as if the server had been killed between the steps of a write.
 */
class DyingBackend implements Backend {
  readonly kind;
  private commits = 0;
  dead = false;
  constructor(
    private readonly inner: Backend,
    private readonly dieAt: number,
    private readonly applied: boolean,
  ) {
    this.kind = inner.kind;
  }
  private alive(): void {
    if (this.dead) throw new Error("killed");
  }
  async get(key: string) {
    this.alive();
    return this.inner.get(key);
  }
  async getMany(keys: string[]) {
    this.alive();
    return this.inner.getMany(keys);
  }
  async range(key: string, q: RangeQuery) {
    this.alive();
    return this.inner.range(key, q);
  }
  async commit(c: Commit) {
    this.alive();
    if (++this.commits < this.dieAt) return this.inner.commit(c);
    this.dead = true;
    if (this.applied) await this.inner.commit(c);
    throw new Error("killed");
  }
  async commitOnce(c: Commit, guard: Guard) {
    this.alive();
    if (++this.commits < this.dieAt) return this.inner.commitOnce(c, guard);
    this.dead = true;
    if (this.applied) await this.inner.commitOnce(c, guard);
    throw new Error("killed");
  }
  async counters(keys: string[]) {
    this.alive();
    return this.inner.counters(keys);
  }
  async hit(key: string, windowMs: number) {
    this.alive();
    return this.inner.hit(key, windowMs);
  }
  async close() {}
}

/** Runs `write` on a store that dies at each commit in turn, until the write gets through whole. */
async function killedAtEveryStep(store: Store, write: (s: Store) => Promise<unknown>, check: (completed: boolean) => Promise<void>) {
  for (const applied of [false, true]) {
    for (let dieAt = 1; ; dieAt++) {
      const dying = new DyingBackend(store.backend, dieAt, applied);
      const outcome = await write(new Store(dying)).then(
        () => "done" as const,
        (error: unknown) => error,
      );
      if (!dying.dead) {
        expect(outcome).toBe("done");
        await check(true);
        break;
      }
      expect(outcome).toBeInstanceOf(Error);
      await check(false);
      expect(dieAt).toBeLessThan(20);
    }
  }
}

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

    describe("compound writes killed between their steps", () => {
      const account = (w: string) => {
        const ws: Workspace = { id: newId("ws"), name: "Acme", createdAt: Date.now() };
        const key = newApiKey();
        const member: Member = { id: newId("mem"), workspaceId: ws.id, email: w, passwordHash: "x", createdAt: Date.now() };
        const apiKey: ApiKey = { id: newId("key"), workspaceId: ws.id, hash: hashApiKey(key), prefix: key.slice(0, 7), createdAt: Date.now() };
        return { ws, member, apiKey };
      };

      it("createWorkspace leaves the whole account or nothing, and a retried signup with the email succeeds", async () => {
        let round = 0;
        await killedAtEveryStep(
          store,
          async (s) => {
            round++;
            const a = account(`owner${round}@example.com`);
            await s.createWorkspace(a.ws, a.member, a.apiKey);
          },
          async () => {
            const email = `owner${round}@example.com`;
            const member = await store.memberByEmail(email);
            if (member) {
              // Published: the account is whole, and the email is taken.
              expect(await store.getWorkspace(member.workspaceId)).not.toBeNull();
              const again = account(email);
              await expect(store.createWorkspace(again.ws, again.member, again.apiKey)).rejects.toMatchObject({ code: "conflict", field: "email" });
              return;
            }
            // Nothing visible: the retry (a new request, new ids, same email) gets the account.
            const retry = account(email.toUpperCase());
            await store.createWorkspace(retry.ws, retry.member, retry.apiKey);
            expect((await store.memberByEmail(email))?.id).toBe(retry.member.id);
            expect((await store.workspaceByApiKeyHash(retry.apiKey.hash))?.id).toBe(retry.ws.id);
          },
        );
      });

      it("a killed signup's workspace and API key are never visible", async () => {
        const a = account("half@example.com");
        for (let dieAt = 1; dieAt <= 4; dieAt++) {
          await expect(new Store(new DyingBackend(store.backend, dieAt, true)).createWorkspace(a.ws, a.member, a.apiKey)).rejects.toThrow("killed");
          expect(await store.workspaceByApiKeyHash(a.apiKey.hash)).toBeNull();
          expect(await store.getWorkspace(a.ws.id)).toBeNull();
          expect(await store.memberByEmail("half@example.com")).toBeNull();
        }
      });

      it("createProgram and deleteProgram leave the program whole or gone, and can be retried", async () => {
        const { ws } = await createWorkspace(store);
        let p: Program = program(ws.id);
        const visible = async () => {
          const byKey = (await store.programByKey(p.key))?.id ?? null;
          const byId = (await store.getProgram(ws.id, p.id))?.id ?? null;
          const listed = (await store.listPrograms(ws.id, { limit: 100 })).data.some((x) => x.id === p.id) ? p.id : null;
          expect([byKey, listed]).toEqual([byId, byId]);
          return byId !== null;
        };
        await killedAtEveryStep(
          store,
          async (s) => {
            p = program(ws.id);
            await s.createProgram(p);
          },
          async () => {
            if (!(await visible())) await store.createProgram(p);
            expect(await visible()).toBe(true);
          },
        );
        await killedAtEveryStep(
          store,
          async (s) => {
            p = program(ws.id);
            await store.createProgram(p);
            await s.deleteProgram(ws.id, p.id);
          },
          async () => {
            if (await visible()) await store.deleteProgram(ws.id, p.id);
            expect(await visible()).toBe(false);
            // The key can be used again even if the cleanup of the global key was cut short.
            const again = program(ws.id, { key: p.key });
            await store.createProgram(again);
            expect((await store.programByKey(p.key))?.id).toBe(again.id);
          },
        );
      });

      it("createLink and deleteLink leave the link whole or gone, and can be retried", async () => {
        const { ws } = await createWorkspace(store);
        const p = program(ws.id);
        await store.createProgram(p);
        const a = affiliate(p, "ann");
        await store.createAffiliate(a);
        const newLink = (): Link => ({ id: newId("lnk"), workspaceId: ws.id, programId: p.id, affiliateId: a.id, code: newLinkCode(), path: "/", createdAt: Date.now() });
        let link = newLink();
        const visible = async () => {
          const byCode = (await store.linkByCode(link.code))?.id ?? null;
          const byId = (await store.getLink(ws.id, link.id))?.id ?? null;
          const listed = (await store.listLinks(ws.id, { limit: 100, affiliateId: a.id })).data.some((x) => x.id === link.id) ? link.id : null;
          expect([byCode, listed]).toEqual([byId, byId]);
          return byId !== null;
        };
        await killedAtEveryStep(
          store,
          async (s) => {
            link = newLink();
            await s.createLink(link);
          },
          async () => {
            if (!(await visible())) await store.createLink(link);
            expect(await visible()).toBe(true);
          },
        );
        await killedAtEveryStep(
          store,
          async (s) => {
            link = newLink();
            await store.createLink(link);
            await s.deleteLink(link);
          },
          async () => {
            if (await visible()) await store.deleteLink(link);
            expect(await visible()).toBe(false);
            const again = { ...newLink(), code: link.code };
            await store.createLink(again);
            expect((await store.linkByCode(link.code))?.id).toBe(again.id);
          },
        );
      });

      it("putConnection routes the account to the workspace together with its connection, or not at all", async () => {
        const { ws } = await createWorkspace(store);
        let accountId = "";
        const connection = (): StripeConnection => ({
          workspaceId: ws.id,
          accountId,
          livemode: false,
          method: "oauth",
          sealedToken: "sealed",
          webhook: null,
          status: "connected",
          lastEventAt: null,
          problem: null,
          connectedAt: Date.now(),
        });
        const visible = async () => {
          const routed = (await store.connectionByAccount(accountId, false))?.workspaceId ?? null;
          const listed = (await store.listConnections(ws.id)).some((c) => c.accountId === accountId) ? ws.id : null;
          expect(routed).toBe(listed);
          return routed !== null;
        };
        await killedAtEveryStep(
          store,
          async (s) => {
            accountId = `acct_${newId("ws").slice(3)}`;
            await s.putConnection(connection());
          },
          async () => {
            if (!(await visible())) await store.putConnection(connection());
            expect(await visible()).toBe(true);
          },
        );
      });
    });

    describe("a child created while its parent is deleted", () => {
      const ROUNDS = 25;

      it("never leaves an affiliate of a deleted program", async () => {
        const { ws } = await createWorkspace(store);
        for (let round = 0; round < ROUNDS; round++) {
          const p = program(ws.id);
          await store.createProgram(p);
          const a = affiliate(p, `a${round}`);
          const [created, deleted] = await Promise.allSettled([store.createAffiliate(a), store.deleteProgram(ws.id, p.id)]);
          const programLeft = (await store.getProgram(ws.id, p.id)) !== null;
          const affiliateLeft = (await store.getAffiliate(ws.id, a.id)) !== null;
          const listed = (await store.listAffiliates(ws.id, { limit: 10, programId: p.id })).data.length > 0;
          expect({ round, orphan: affiliateLeft && !programLeft, listedOrphan: listed && !programLeft }).toEqual({ round, orphan: false, listedOrphan: false });
          // Exactly one of the two won, and the loser said so.
          expect([created.status, deleted.status].sort()).toEqual(["fulfilled", "rejected"]);
          expect(affiliateLeft).toBe(created.status === "fulfilled");
        }
      });

      it("never leaves a link of a deleted affiliate", async () => {
        const { ws } = await createWorkspace(store);
        const p = program(ws.id);
        await store.createProgram(p);
        for (let round = 0; round < ROUNDS; round++) {
          const a: Affiliate = affiliate(p, `a${round}`);
          await store.createAffiliate(a);
          const link: Link = { id: newId("lnk"), workspaceId: ws.id, programId: p.id, affiliateId: a.id, code: newLinkCode(), path: "/", createdAt: Date.now() };
          const [created, deleted] = await Promise.allSettled([store.createLink(link), store.deleteAffiliate(a)]);
          const affiliateLeft = (await store.getAffiliate(ws.id, a.id)) !== null;
          const linkLeft = (await store.linkByCode(link.code)) !== null;
          expect({ round, orphan: linkLeft && !affiliateLeft }).toEqual({ round, orphan: false });
          expect([created.status, deleted.status].sort()).toEqual(["fulfilled", "rejected"]);
          expect(linkLeft).toBe(created.status === "fulfilled");
        }
      });

      it("gives one email to at most one of two simultaneous signups", async () => {
        for (let round = 0; round < ROUNDS; round++) {
          const email = `race${round}@example.com`;
          const tries = [0, 1].map(() => {
            const ws: Workspace = { id: newId("ws"), name: "Acme", createdAt: Date.now() };
            const key = newApiKey();
            return {
              ws,
              member: { id: newId("mem"), workspaceId: ws.id, email, passwordHash: "x", createdAt: Date.now() },
              apiKey: { id: newId("key"), workspaceId: ws.id, hash: hashApiKey(key), prefix: key.slice(0, 7), createdAt: Date.now() },
            };
          });
          const results = await Promise.allSettled(tries.map((t) => store.createWorkspace(t.ws, t.member, t.apiKey)));
          const winners = tries.filter((_, i) => results[i].status === "fulfilled");
          expect(winners.length).toBeLessThanOrEqual(1);
          const owner = await store.memberByEmail(email);
          expect(owner?.id ?? null).toBe(winners[0]?.member.id ?? null);
          for (const t of tries) {
            const won = winners.includes(t);
            expect((await store.workspaceByApiKeyHash(t.apiKey.hash)) !== null).toBe(won);
            expect((await store.getWorkspace(t.ws.id)) !== null).toBe(won);
          }
        }
      });
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
