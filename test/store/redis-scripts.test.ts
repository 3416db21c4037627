import { randomBytes } from "node:crypto";
import { createClient } from "redis";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { emptyCommit, type Commit } from "../../server/store/backend.js";
import { RedisBackend } from "../../server/store/redis-backend.js";
import { REDIS_URL, services } from "../support/services.js";

// What the Redis scripts leave in Redis for each kind of put, read with a client of its own: the
// scripts take shortcuts for keys whose version a check has just read (one HSET for version and
// document, no PERSIST on a key that did not exist), and a version or an expiry they got wrong
// would show in no answer of the backend until much later (a conflict never raised, a document
// that outlives or never reaches its time to live).

const connectRaw = () => createClient({ url: REDIS_URL }).connect();

describe.runIf(services.redis)("Redis commit scripts: versions and expiry", () => {
  let backend: RedisBackend;
  let raw: Awaited<ReturnType<typeof connectRaw>>;
  let prefix: string;
  beforeEach(async () => {
    prefix = `icodrip-test:${randomBytes(6).toString("hex")}:`;
    backend = await RedisBackend.connect(REDIS_URL, prefix);
    raw = await connectRaw();
  });
  afterEach(async () => {
    await raw.quit();
    await backend.dropAll();
    await backend.close();
  });

  const state = async (key: string) => ({ version: await raw.hGet(prefix + key, "v"), ttl: await raw.pTTL(prefix + key) });
  const commit = (c: Partial<Commit>) => backend.commit({ ...emptyCommit(), ...c });
  const WEEK = 7 * 24 * 3600 * 1000;

  it("keeps versions and expiry right whether a put's key was checked absent, checked at a version, or not checked", async () => {
    // Checked absent, with a time to live: version 1, expiring.
    expect(await commit({ checks: [{ key: "{ws:t}:a", version: null }], puts: [{ key: "{ws:t}:a", value: "1", ttlMs: WEEK }] })).toBe(true);
    let a = await state("{ws:t}:a");
    expect(a.version).toBe("1");
    expect(a.ttl).toBeGreaterThan(WEEK - 60_000);
    // Checked at version 1, without one: version 2, and the expiry it had is cleared.
    expect(await commit({ checks: [{ key: "{ws:t}:a", version: 1 }], puts: [{ key: "{ws:t}:a", value: "2" }] })).toBe(true);
    a = await state("{ws:t}:a");
    expect(a).toEqual({ version: "2", ttl: -1 });
    // Not checked, with a time to live, then without: versions go on counting, expiry follows the put.
    expect(await commit({ puts: [{ key: "{ws:t}:a", value: "3", ttlMs: WEEK }] })).toBe(true);
    a = await state("{ws:t}:a");
    expect(a.version).toBe("3");
    expect(a.ttl).toBeGreaterThan(0);
    expect(await commit({ puts: [{ key: "{ws:t}:a", value: "4" }] })).toBe(true);
    expect(await state("{ws:t}:a")).toEqual({ version: "4", ttl: -1 });
    // Checked absent, without a time to live: version 1, never expiring.
    expect(await commit({ checks: [{ key: "{ws:t}:b", version: null }], puts: [{ key: "{ws:t}:b", value: "1" }] })).toBe(true);
    expect(await state("{ws:t}:b")).toEqual({ version: "1", ttl: -1 });
    // The same key put twice in one commit counts two versions, as two commits would.
    expect(await commit({ checks: [{ key: "{ws:t}:c", version: null }], puts: [{ key: "{ws:t}:c", value: "1" }, { key: "{ws:t}:c", value: "2", ttlMs: WEEK }] })).toBe(true);
    const c = await state("{ws:t}:c");
    expect(c.version).toBe("2");
    expect(c.ttl).toBeGreaterThan(0);
    expect((await backend.get("{ws:t}:c"))?.value).toBe("2");
    // A stale check still refuses everything.
    expect(await commit({ checks: [{ key: "{ws:t}:a", version: 3 }], puts: [{ key: "{ws:t}:a", value: "5" }] })).toBe(false);
    expect((await backend.get("{ws:t}:a"))?.version).toBe(4);
  });

  it("writes a guarded commit's absent key as a new document, and counts its rate hit whatever follows", async () => {
    const guard = { absent: "{ws:t}:g", rate: { key: "{ws:t}:rate", windowMs: 60_000, limit: 2 } };
    const put = { ...emptyCommit(), puts: [{ key: "{ws:t}:g", value: "first", ttlMs: WEEK }, { key: "{ws:t}:d", value: "doc" }] };
    expect(await backend.commitOnce(put, guard)).toEqual({ outcome: "applied" });
    const g = await state("{ws:t}:g");
    expect(g.version).toBe("1");
    expect(g.ttl).toBeGreaterThan(WEEK - 60_000);
    expect(await state("{ws:t}:d")).toEqual({ version: "1", ttl: -1 });
    expect(await backend.commitOnce({ ...put, puts: [{ key: "{ws:t}:g", value: "second" }] }, guard)).toEqual({ outcome: "exists", doc: { version: 1, value: "first" } });
    expect(await backend.commitOnce(put, guard)).toEqual({ outcome: "limited" });
    expect(await raw.get(prefix + "{ws:t}:rate")).toBe("3");
    expect((await raw.pTTL(prefix + "{ws:t}:rate")) > 0).toBe(true);
  });
});
