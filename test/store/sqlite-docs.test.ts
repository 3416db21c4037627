import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, expect, it } from "vitest";
import { emptyCommit } from "../../server/store/backend.js";
import { SqliteBackend } from "../../server/store/sqlite-backend.js";

// The embedded store's documents moved from a WITHOUT ROWID table to a plain one with a unique
// index on the key (see sqlite-backend.ts). A store made before is moved when it is opened: every
// document, its version and its expiry come across, and the store then works as any other.

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "icodrip-docs-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

it("moves a store made with the WITHOUT ROWID table, keeping every document's value, version and expiry", async () => {
  const now = Date.now();
  const old = new Database(join(dir, "icodrip.sqlite"));
  old.pragma("journal_mode = WAL");
  old.exec("CREATE TABLE docs (key TEXT PRIMARY KEY, value TEXT NOT NULL, version INTEGER NOT NULL, expires_at INTEGER) WITHOUT ROWID");
  const insert = old.prepare("INSERT INTO docs (key, value, version, expires_at) VALUES (?, ?, ?, ?)");
  const big = JSON.stringify({ note: "é".repeat(3000) }); // spills to overflow pages in the old table
  insert.run("{ws:a}:big", big, 7, null);
  insert.run("{ws:a}:small", '{"n":1}', 2, now + 60_000);
  insert.run("{ws:a}:expired", '{"n":2}', 3, now - 1);
  old.close();

  const backend = new SqliteBackend(dir);
  try {
    expect(await backend.getMany(["{ws:a}:big", "{ws:a}:small", "{ws:a}:expired", "{ws:a}:none"])).toEqual([
      { value: big, version: 7 },
      { value: '{"n":1}', version: 2 },
      null,
      null,
    ]);
    // Versions go on from where they were; a stale check still refuses; an expired one starts over.
    expect(await backend.commit({ ...emptyCommit(), checks: [{ key: "{ws:a}:big", version: 7 }], puts: [{ key: "{ws:a}:big", value: "{}" }] })).toBe(true);
    expect(await backend.commit({ ...emptyCommit(), checks: [{ key: "{ws:a}:big", version: 7 }], puts: [{ key: "{ws:a}:big", value: "[]" }] })).toBe(false);
    expect(await backend.get("{ws:a}:big")).toEqual({ value: "{}", version: 8 });
    expect(await backend.commit({ ...emptyCommit(), checks: [{ key: "{ws:a}:expired", version: null }], puts: [{ key: "{ws:a}:expired", value: "{}" }] })).toBe(true);
    expect(await backend.get("{ws:a}:expired")).toEqual({ value: "{}", version: 1 });
  } finally {
    await backend.close();
  }

  // The table is the plain one now, its key unique, and opening it again moves nothing.
  const after = new Database(join(dir, "icodrip.sqlite"), { readonly: true });
  try {
    const sql = after.prepare<[], { sql: string }>("SELECT sql FROM sqlite_master WHERE name = 'docs'").get()?.sql ?? "";
    expect(sql).not.toMatch(/WITHOUT\s+ROWID/i);
    expect(after.prepare("SELECT count(*) AS n FROM docs").get()).toEqual({ n: 3 });
    expect(after.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'docs'").all()).toEqual([{ name: "docs_by_key" }]);
  } finally {
    after.close();
  }
  const again = new SqliteBackend(dir);
  expect(await again.get("{ws:a}:small")).toEqual({ value: '{"n":1}', version: 2 });
  await again.close();
});

it("purges expired documents a slice of rows at a time, serving the event loop between slices", async () => {
  const now = Date.now();
  await new SqliteBackend(dir).close(); // the schema
  const raw = new Database(join(dir, "icodrip.sqlite"));
  const insert = raw.prepare("INSERT INTO docs (key, value, version, expires_at) VALUES (?, '{}', 1, ?)");
  // 45,000 documents, five slices' worth: every third expired, every third expiring later, the rest never.
  raw.transaction(() => {
    for (let i = 0; i < 45_000; i++) insert.run(`{ws:a}:doc:${i}`, i % 3 === 0 ? now - 1_000 : i % 3 === 1 ? now + 3_600_000 : null);
  })();
  raw.close();

  const backend = new SqliteBackend(dir);
  try {
    const order: string[] = [];
    const purged = backend.purgeExpired(1).then((n) => {
      order.push("purged");
      return n;
    });
    // Dispatched by the event loop on its next turn: before "purged" only if the purge yields to it.
    setImmediate(() => order.push("served"));
    expect(await purged).toBe(15_000);
    expect(order).toEqual(["served", "purged"]);
    expect(await backend.getMany(["{ws:a}:doc:0", "{ws:a}:doc:1", "{ws:a}:doc:2", "{ws:a}:doc:44997"])).toEqual([
      null,
      { value: "{}", version: 1 },
      { value: "{}", version: 1 },
      null,
    ]);
    expect(await backend.purgeExpired(1)).toBe(0);
  } finally {
    await backend.close();
  }
  const after = new Database(join(dir, "icodrip.sqlite"), { readonly: true });
  expect(after.prepare("SELECT count(*) AS n FROM docs").get()).toEqual({ n: 30_000 });
  after.close();
});
