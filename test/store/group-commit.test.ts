import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { emptyCommit, type Commit } from "../../server/store/backend.js";
import { SqliteBackend } from "../../server/store/sqlite-backend.js";

// The embedded store commits the writes of one event-loop turn together (one transaction, one
// fsync). These are the promises it keeps: each write still succeeds, fails its check or throws
// on its own, in the order made, and a write that throws leaves nothing behind.

let dir: string;
let backend: SqliteBackend;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "icodrip-group-"));
  backend = new SqliteBackend(dir);
});
afterEach(async () => {
  await backend.close();
  rmSync(dir, { recursive: true, force: true });
});

const put = (key: string, value: string, version: number | null = null): Commit => ({ ...emptyCommit(), checks: [{ key, version }], puts: [{ key, value }] });

it("answers each write of one turn by itself, in order, each seeing the ones before it", async () => {
  const answers = await Promise.all([
    backend.commit(put("a", "1")), // creates a
    backend.commit(put("a", "2")), // a exists now: its check (must not exist) fails
    backend.commit(put("a", "3", 1)), // a is at version 1: applies
    backend.commit({ ...emptyCommit(), increments: [{ key: "n", field: "x", by: 2 }] }),
    backend.hit("rate", 60_000),
    backend.hit("rate", 60_000),
  ]);
  expect(answers).toEqual([true, false, true, true, 1, 2]);
  expect(await backend.get("a")).toEqual({ value: "3", version: 2 });
  expect(await backend.counters(["n"])).toEqual([{ x: 2 }]);
});

it("undoes and rejects only the write that throws; the others of its turn commit", async () => {
  // A document value may not be null (NOT NULL): the write fails half-way, after its first put.
  const broken = { ...emptyCommit(), puts: [{ key: "half", value: "written" }, { key: "bad", value: null as unknown as string }] };
  // The turn runs again after such a throw (see flush()): what it answers must not show it.
  const [before, failed, after, dependent] = await Promise.allSettled([backend.commit(put("b", "1")), backend.commit(broken), backend.commit(put("c", "1")), backend.commit(put("b", "2", 1))]);
  expect(before).toEqual({ status: "fulfilled", value: true });
  expect(failed.status).toBe("rejected");
  expect(after).toEqual({ status: "fulfilled", value: true });
  expect(dependent).toEqual({ status: "fulfilled", value: true });
  expect(await backend.getMany(["b", "half", "bad", "c"])).toEqual([{ value: "2", version: 2 }, null, null, { value: "1", version: 1 }]);
});

it("commits what was written before it closes", async () => {
  const pending = backend.commit(put("late", "1"));
  await backend.close();
  expect(await pending).toBe(true);
  backend = new SqliteBackend(dir);
  expect(await backend.get("late")).toEqual({ value: "1", version: 1 });
});

it("answers a commit only once the WAL holding it is synced, and a failed sync as a failed write", async () => {
  // The stand-in for fdatasync holds each sync until the test ends it; `synced` tells when one starts.
  let started: (done: (error: Error | null) => void) => void = () => {};
  const synced = () => new Promise<(error: Error | null) => void>((resolve) => (started = resolve));
  const held = new SqliteBackend(join(dir, "held"), "held.sqlite", { syncFile: (_fd, done) => started(done) });
  try {
    let answered = false;
    let syncing = synced();
    const first = held.commit(put("x", "1")).then((ok) => ((answered = true), ok));
    const endFirst = await syncing;
    // Committed (another read sees it) but not yet on disk: not answered.
    expect(await held.get("x")).toEqual({ value: "1", version: 1 });
    expect(answered).toBe(false);
    endFirst(null);
    expect(await first).toBe(true);

    syncing = synced();
    const second = held.commit(put("y", "1"));
    (await syncing)(new Error("EIO: i/o error, fdatasync"));
    await expect(second).rejects.toThrow("EIO");
  } finally {
    await held.close();
  }
});

// A turn's counter increments are summed and written once per counter at the end of its
// transaction (runBatch). The counters hold the reports' sums, revenue and commission among them,
// so each case states the counters a turn of writes must leave, whichever way the turn ran.
const inc = (field: string, by: number, key = "stats") => ({ ...emptyCommit(), increments: [{ key, field, by }] });
const throws = { ...emptyCommit(), puts: [{ key: "bad", value: null as unknown as string }], increments: [{ key: "stats", field: "revenue:usd", by: 1_000_000 }] };
it.each([
  ["one field, many writes", [inc("clicks", 1), inc("clicks", 1), inc("clicks", 1)], { stats: { clicks: 3 } }],
  ["a sale and its refund in one turn", [inc("revenue:usd", 4_900), inc("commission:usd", 1_470), inc("revenue:usd", -4_900), inc("commission:usd", -1_470)], { stats: { "revenue:usd": 0, "commission:usd": 0 } }],
  ["currencies and keys apart", [inc("revenue:usd", 4_900), inc("revenue:jpy", 500), inc("revenue:usd", 100, "other")], { stats: { "revenue:usd": 4_900, "revenue:jpy": 500 }, other: { "revenue:usd": 100 } }],
  ["a write that throws counts nothing, the others all", [inc("revenue:usd", 4_900), throws, inc("revenue:usd", 100)], { stats: { "revenue:usd": 5_000 } }],
  ["a write whose check fails counts nothing", [inc("clicks", 1), { ...put("k", "1", 7), increments: [{ key: "stats", field: "clicks", by: 10 }] }, inc("clicks", 1)], { stats: { clicks: 2 } }],
] as const)("sums a turn's counter increments: %s", async (_name, writes, expected) => {
  await Promise.allSettled(writes.map((w) => backend.commit(w as Commit)));
  const keys = Object.keys(expected);
  const counters = await backend.counters(keys);
  expect(Object.fromEntries(keys.map((k, i) => [k, counters[i]]))).toEqual(expected);
});
