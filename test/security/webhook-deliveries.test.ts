import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seal } from "../../server/crypto/seal.js";
import { hashApiKey } from "../../server/domain/password.js";
import type { Backend, Commit, Doc, Guard, GuardedOutcome, RangeQuery } from "../../server/store/backend.js";
import { Store } from "../../server/store/store.js";
import { REJECTED_RETENTION_MS } from "../../server/stripe/webhooks/ingest.js";
import { REJECTED_PER_ADDRESS_PER_MINUTE } from "../../server/stripe/webhooks/rejections.js";
import { signup, startTestServer, type TestServer } from "../support/server.js";
import { checkoutSession, event, sign } from "../support/stripe-events.js";
import { storeKinds, type StoreKind } from "../support/stores.js";

// Issue 7, items 2, 7 (future signatures) and 11, replayed as an attacker (a flood of bad
// deliveries) and as an outside fault (a store connection lost mid-commit), on both stores.

const PLATFORM_SECRET = "whsec_platformfloodsecret";
const ACCOUNT_SECRET = "whsec_accountfloodsecret";
const SECRET = "test-secret-test-secret-test-secret-0123";

/**
 * The real backend with faults injected where a lost connection would strike: the commit that
 * records an event applies and then throws (its result unknown to the caller), or throws without
 * applying, or the handler's first read after the event check throws (work fails before commit).
 * It also remembers the delivery rows every commit wrote, to check their time to live.
 */
class FaultyBackend implements Backend {
  faults: ("after" | "before" | "work")[] = [];
  private armed = false;
  readonly deliveryPuts: { key: string; ttlMs?: number; outcome: string }[] = [];

  constructor(readonly inner: Backend) {}

  get kind() {
    return this.inner.kind;
  }

  async get(key: string): Promise<Doc | null> {
    this.strike([key]);
    return this.inner.get(key);
  }

  // The event's record may be read alone or with what the handler reads first (read ahead).
  async getMany(keys: string[]): Promise<(Doc | null)[]> {
    this.strike(keys);
    return this.inner.getMany(keys);
  }

  /** Throws on the first read after the one of the event's record, when a "work" fault is due. */
  private strike(keys: string[]): void {
    if (this.armed) {
      this.armed = false;
      throw new Error("injected: the store went away while the handler was reading");
    }
    if (keys.some((key) => key.includes(":event:")) && this.faults[0] === "work") {
      this.faults.shift();
      this.armed = true;
    }
  }

  range(indexKey: string, query: RangeQuery): Promise<{ member: string; score: number }[]> {
    return this.inner.range(indexKey, query);
  }

  counters(keys: string[]): Promise<Record<string, number>[]> {
    return this.inner.counters(keys);
  }

  commitOnce(c: Commit, guard: Guard): Promise<GuardedOutcome> {
    return this.inner.commitOnce(c, guard);
  }

  async commit(c: Commit): Promise<boolean> {
    for (const p of c.puts) {
      if (p.key.includes(":delivery:")) this.deliveryPuts.push({ key: p.key, ttlMs: p.ttlMs, outcome: JSON.parse(p.value).outcome });
    }
    const recordsEvent = c.puts.some((p) => p.key.includes(":event:"));
    const fault = this.faults[0];
    if (recordsEvent && (fault === "after" || fault === "before")) {
      this.faults.shift();
      if (fault === "before") throw new Error("injected: connection lost before the commit was sent");
      const applied = await this.inner.commit(c);
      if (applied) throw new Error("injected: connection lost after the commit was sent");
      return applied;
    }
    return this.inner.commit(c);
  }

  hit(key: string, windowMs: number): Promise<number> {
    return this.inner.hit(key, windowMs);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

function faulty(kind: StoreKind): { kind: StoreKind; backend: () => FaultyBackend } {
  let backend: FaultyBackend | null = null;
  return {
    backend: () => backend!,
    kind: {
      ...kind,
      async open() {
        const handle = await kind.open();
        backend = new FaultyBackend(handle.store.backend);
        const store = new Store(backend);
        return { store, destroy: () => handle.destroy(), reopen: () => handle.reopen() };
      },
    },
  };
}

interface Merchant {
  key: string;
  workspaceId: string;
  accountId: string;
}

async function merchant(server: TestServer, accountId: string): Promise<Merchant> {
  const key = await signup(server);
  const workspace = await server.store.workspaceByApiKeyHash(hashApiKey(key));
  await server.store.putConnection({
    workspaceId: workspace!.id,
    accountId,
    livemode: false,
    method: "restricted_key",
    sealedToken: seal(SECRET, "stripe-token", "rk_test_x"),
    webhook: { id: "we_1", url: `${server.url}/webhooks/stripe/${accountId}`, enabledEvents: [], sealedSecret: seal(SECRET, "webhook-secret", ACCOUNT_SECRET) },
    status: "connected",
    lastEventAt: null,
    problem: null,
    connectedAt: Date.now(),
  });
  return { key, workspaceId: workspace!.id, accountId };
}

/** Posts a delivery as the given client address (the server trusts X-Forwarded-For here). */
async function post(url: string, payload: string, o: { signature?: string; from?: string } = {}) {
  const headers: Record<string, string> = { "content-type": "application/json", "x-forwarded-for": o.from ?? "203.0.113.1" };
  if (o.signature) headers["stripe-signature"] = o.signature;
  const res = await fetch(url, { method: "POST", headers, body: payload });
  return { status: res.status, body: (await res.json()) };
}

async function allDeliveries(server: TestServer, m: Merchant): Promise<any[]> {
  const res = await server.api("GET", "/api/v1/webhook-deliveries?limit=100", { key: m.key });
  expect(res.status).toBe(200);
  return res.body.data;
}

const seconds = (ms: number) => Math.floor(ms / 1000);

for (const base of storeKinds) {
  describe.runIf(base.available)(`Webhook delivery log under attack and faults, ${base.name} store`, () => {
    const { kind, backend } = faulty(base);
    let server: TestServer;
    // The server's clock, injected; the start of a minute plus 5 s, so a flood sent within the
    // test lands in one coalescing minute whatever the machine's clock does meanwhile.
    let clock = 0;
    let n = 0;
    const account = () => `acct_${base.name.replace(/\W/g, "")}${Date.now().toString(36)}${n++}`;

    beforeAll(async () => {
      server = await startTestServer(kind, { STRIPE_WEBHOOK_SECRET: PLATFORM_SECRET, ICODRIP_SECRET: SECRET, TRUST_PROXY: "true" });
      server.ctx.now = () => clock;
    });
    afterAll(async () => {
      await server.stop();
    });

    function atNextMinute(): number {
      // Each call a minute of its own, so the tests' coalesced rows and limits stay apart.
      const minute = Math.max(Math.floor(Date.now() / 60_000), Math.floor(clock / 60_000)) + 1;
      clock = minute * 60_000 + 5_000;
      return clock;
    }

    it("coalesces a flood of 1,000 bad deliveries into a handful of expiring rows with counts, and still processes a genuine one", async () => {
      const now = atNextMinute();
      const victim = await merchant(server, account());
      const platformUrl = `${server.url}/webhooks/stripe`;
      const victimUrl = `${server.url}/webhooks/stripe/${victim.accountId}`;
      const forged = JSON.stringify(event("checkout.session.completed", checkoutSession({ amount: 1 }), { account: victim.accountId }));
      const wrong = sign(forged, "whsec_attackerguess", seconds(now));
      // 200 each: unsigned and wrongly signed to the platform route and to the victim's route, and
      // 200 accounts nobody connected; from 40 addresses, each under its per-minute limit.
      const flood = Array.from({ length: 1_000 }, (_, i) => {
        const from = `198.51.100.${i % 40}`;
        switch (i % 5) {
          case 0:
            return () => post(platformUrl, forged, { from });
          case 1:
            return () => post(platformUrl, forged, { from, signature: wrong });
          case 2:
            return () => post(victimUrl, forged, { from });
          case 3:
            return () => post(victimUrl, forged, { from, signature: wrong });
          default:
            return () => post(`${server.url}/webhooks/stripe/acct_nobody${i}`, forged, { from, signature: wrong });
        }
      });
      const genuine = event("checkout.session.completed", checkoutSession({ amount: 4_200 }), { account: victim.accountId });
      const genuinePayload = JSON.stringify(genuine);
      const answers: number[] = [];
      let genuineAnswer: { status: number; body: any } | null = null;
      for (let at = 0; at < flood.length; at += 50) {
        const batch = flood.slice(at, at + 50).map((send) => send());
        // The genuine delivery arrives mid-flood, from an address that is flooding.
        if (at === 500) genuineAnswer = await post(victimUrl, genuinePayload, { from: "198.51.100.7", signature: sign(genuinePayload, ACCOUNT_SECRET, seconds(now)) });
        answers.push(...(await Promise.all(batch)).map((a) => a.status));
      }
      expect(answers.filter((s) => s === 401)).toHaveLength(1_000);
      expect(genuineAnswer).toEqual({ status: 200, body: { received: true, outcome: "unattributed" } });

      const victimRows = await allDeliveries(server, victim);
      const rejected = victimRows.filter((d) => d.outcome === "rejected");
      // Its own endpoint's two reasons, and the wrongly signed ones to the platform endpoint that
      // name its account (shown to it since issue 8; unsigned ones there are not).
      expect(rejected).toHaveLength(3);
      expect(rejected.map((d) => d.count).sort()).toEqual([200, 200, 200]);
      expect(rejected.every((d) => d.verified === false)).toBe(true);
      expect(rejected.map((d) => d.message).join(" ")).toMatch(/no Stripe-Signature header/);
      expect(rejected.map((d) => d.message).join(" ")).toMatch(/did not verify/);
      expect(victimRows.filter((d) => d.outcome === "unattributed")).toMatchObject([{ eventId: genuine.id, count: 1 }]);

      const globalRows = (await server.store.listPlatformDeliveries({ limit: 100, from: now - 1, to: now + 1 })).data;
      expect(globalRows).toHaveLength(3);
      expect(globalRows.map((d) => d.count).sort()).toEqual([200, 200, 200]);
      expect(globalRows.every((d) => d.outcome === "rejected")).toBe(true);

      // Every rejected row expires after the retention; the genuine delivery's row never does.
      const puts = backend().deliveryPuts;
      expect(puts.filter((p) => p.outcome === "rejected").every((p) => p.ttlMs === REJECTED_RETENTION_MS)).toBe(true);
      expect(puts.filter((p) => p.outcome === "unattributed").every((p) => p.ttlMs === undefined)).toBe(true);

      // After the flood, a genuine delivery is processed as usual.
      const after = event("checkout.session.completed", checkoutSession({ amount: 4_300 }), { account: victim.accountId });
      const payload = JSON.stringify(after);
      const res = await post(victimUrl, payload, { from: "198.51.100.7", signature: sign(payload, ACCOUNT_SECRET, seconds(now)) });
      expect(res).toEqual({ status: 200, body: { received: true, outcome: "unattributed" } });
    });

    it("limits what one address's rejected deliveries cost before writing anything, but never its signed ones", async () => {
      const now = atNextMinute();
      const victim = await merchant(server, account());
      const url = `${server.url}/webhooks/stripe/${victim.accountId}`;
      const from = "192.0.2.99";
      const forged = JSON.stringify(event("checkout.session.completed", checkoutSession({}), { account: victim.accountId }));
      const before = backend().deliveryPuts.length;
      const answers = await Promise.all(Array.from({ length: 100 }, () => post(url, forged, { from, signature: sign(forged, "whsec_nope", seconds(now)) })));
      expect(answers.filter((a) => a.status === 401)).toHaveLength(REJECTED_PER_ADDRESS_PER_MINUTE);
      const limited = answers.filter((a) => a.status === 429);
      expect(limited).toHaveLength(100 - REJECTED_PER_ADDRESS_PER_MINUTE);
      expect(limited[0].body.error.code).toBe("too_many_rejected");
      // Concurrent deliveries to one row are batched: far fewer writes than deliveries.
      expect(backend().deliveryPuts.length - before).toBeLessThanOrEqual(REJECTED_PER_ADDRESS_PER_MINUTE);
      const [row] = (await allDeliveries(server, victim)).filter((d) => d.outcome === "rejected");
      expect(row.count).toBe(REJECTED_PER_ADDRESS_PER_MINUTE);

      const unsigned = await post(url, forged, { from });
      expect(unsigned.status).toBe(429);
      const genuine = JSON.stringify(event("checkout.session.completed", checkoutSession({}), { account: victim.accountId }));
      const ok = await post(url, genuine, { from, signature: sign(genuine, ACCOUNT_SECRET, seconds(now)) });
      expect(ok).toEqual({ status: 200, body: { received: true, outcome: "unattributed" } });

      // A new minute gives the address its allowance back.
      clock += 60_000;
      expect((await post(url, forged, { from })).status).toBe(401);
    });

    it("refuses a signature stamped more than 300 s in the future, on the server's clock rather than the machine's", async () => {
      // An hour behind the machine: stripe-node's own check (Date.now) would call +299 s stale.
      clock = Date.now() - 3_600_000;
      const m = await merchant(server, account());
      const url = `${server.url}/webhooks/stripe/${m.accountId}`;
      const payloadAt = (offset: number) => {
        const payload = JSON.stringify(event("checkout.session.completed", checkoutSession({}), { account: m.accountId }));
        return post(url, payload, { signature: sign(payload, ACCOUNT_SECRET, seconds(clock) + offset), from: `192.0.2.${200 + (n++ % 50)}` });
      };
      const ahead301 = await payloadAt(301);
      expect(ahead301.status).toBe(401);
      expect(ahead301.body.error.message).toMatch(/301 s in the future/);
      expect((await payloadAt(299)).status).toBe(200);
      const behind301 = await payloadAt(-301);
      expect(behind301.status).toBe(401);
      expect(behind301.body.error.message).toMatch(/301 s old/);
      expect((await payloadAt(-299)).status).toBe(200);
    });

    describe("the delivery row is written with the event", () => {
      const deliverOnce = async (m: Merchant, evt: object) => {
        const payload = JSON.stringify(evt);
        return post(`${server.url}/webhooks/stripe/${m.accountId}`, payload, { signature: sign(payload, ACCOUNT_SECRET, seconds(clock)) });
      };
      const rowsOf = async (m: Merchant, eventId: string) => (await allDeliveries(server, m)).filter((d) => d.eventId === eventId);

      it("says the result is unknown, not that nothing changed, when the commit applied and then the connection was lost", async () => {
        clock = Date.now();
        const m = await merchant(server, account());
        const evt = event("checkout.session.completed", checkoutSession({ amount: 7_000 }), { account: m.accountId });
        backend().faults = ["after"];
        const res = await deliverOnce(m, evt);
        expect(res.status).toBe(500);
        expect(res.body.error.message).toMatch(/may or may not have been applied/);
        expect(res.body.error.message).toMatch(/a retry of an applied event answers duplicate/);
        expect(res.body.error.message).not.toMatch(/nothing was changed/);
        // It was applied: its one row says so, and no row contradicts it.
        expect(await server.store.eventRecorded(m.workspaceId, evt.id)).toBe(true);
        expect((await rowsOf(m, evt.id)).map((d) => d.outcome)).toEqual(["unattributed"]);
        const retry = await deliverOnce(m, evt);
        expect(retry.body.outcome).toBe("duplicate");
        expect((await rowsOf(m, evt.id)).map((d) => d.outcome).sort()).toEqual(["duplicate", "unattributed"]);
      });

      it("says the result is unknown when the commit threw before applying, and the retry applies it once", async () => {
        clock = Date.now();
        const m = await merchant(server, account());
        const evt = event("checkout.session.completed", checkoutSession({ amount: 7_100 }), { account: m.accountId });
        backend().faults = ["before"];
        const res = await deliverOnce(m, evt);
        expect(res.status).toBe(500);
        expect(res.body.error.message).toMatch(/may or may not have been applied/);
        expect(await server.store.eventRecorded(m.workspaceId, evt.id)).toBe(false);
        const [failed] = await rowsOf(m, evt.id);
        expect(failed).toMatchObject({ outcome: "failed", count: 1 });
        expect(failed.message).toMatch(/may or may not have been applied/);
        expect(failed.message).not.toMatch(/nothing was changed/);
        expect((await deliverOnce(m, evt)).body.outcome).toBe("unattributed");
        expect((await rowsOf(m, evt.id)).map((d) => d.outcome).sort()).toEqual(["failed", "unattributed"]);
      });

      it("says nothing was changed only when the work failed before committing", async () => {
        clock = Date.now();
        const m = await merchant(server, account());
        const evt = event("checkout.session.completed", checkoutSession({ amount: 7_200, email: "buyer@example.com" }), { account: m.accountId });
        backend().faults = ["work"];
        const res = await deliverOnce(m, evt);
        expect(res.status).toBe(500);
        expect(res.body.error.message).toMatch(/nothing was changed/);
        expect(await server.store.eventRecorded(m.workspaceId, evt.id)).toBe(false);
        expect((await rowsOf(m, evt.id)).map((d) => d.outcome)).toEqual(["failed"]);
      });

      it("gives every applied event exactly one processed or unattributed row under racing duplicates and lost connections", async () => {
        clock = Date.now();
        const m = await merchant(server, account());
        const events = Array.from({ length: 8 }, (_, i) => event("checkout.session.completed", checkoutSession({ amount: 1_000 + i }), { account: m.accountId }));
        backend().faults = ["after", "after", "after"];
        // Six copies of each, interleaved, all in flight at once, so the copies race each other.
        const sends = Array.from({ length: 6 }, () => events).flat();
        await Promise.all(sends.map((evt) => deliverOnce(m, evt)));
        backend().faults = [];
        const rows = await allDeliveries(server, m);
        for (const evt of events) {
          const own = rows.filter((d) => d.eventId === evt.id);
          const applied = own.filter((d) => d.outcome === "processed" || d.outcome === "unattributed");
          expect(await server.store.eventRecorded(m.workspaceId, evt.id)).toBe(true);
          expect(applied).toHaveLength(1);
          expect(own.filter((d) => /nothing was changed/.test(d.message))).toEqual([]);
          // One row per delivery: the others say duplicate, or that the result is unknown.
          expect(own).toHaveLength(6);
        }
        const conversions = await server.api("GET", "/api/v1/conversions?limit=100", { key: m.key });
        expect(conversions.body.data).toHaveLength(events.length);
      });
    });
  });
}
