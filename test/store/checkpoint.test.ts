import { execFile } from "node:child_process";
import { once } from "node:events";
import { copyFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterEach, beforeEach, expect, it } from "vitest";
import { emptyCommit } from "../../server/store/backend.js";
import { SqliteBackend } from "../../server/store/sqlite-backend.js";
import { Checkpointer, type Checkpointed } from "../../server/store/sqlite-checkpointer.js";

// Once its WAL has grown, the embedded store hands checkpoints (copying the WAL back into the
// database file) to a worker thread with its own connection, so the event loop no longer stops
// for them (server/store/sqlite-checkpointer.ts). What must hold: the worker's checkpoints really
// put the data in the database file, and the store loses nothing by them.

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "icodrip-checkpoint-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const value = (i: number) => JSON.stringify({ i, pad: "x".repeat(1000) });

it("copies the WAL into the database file from a worker once the WAL passes its size, and loses no write", async () => {
  const backend = new SqliteBackend(dir, "icodrip.sqlite", { checkpointFromBytes: 64 * 1024 });
  expect(backend.checkpointing).toBe(false);
  const reports: Checkpointed[] = [];
  backend.checkpoints.on("checkpointed", (c) => reports.push(c));
  // 400 writes of about 1 kB in batches of 20: well past 64 kB of WAL.
  for (let b = 0; b < 20; b++) {
    await Promise.all(Array.from({ length: 20 }, (_, j) => backend.commit({ ...emptyCommit(), puts: [{ key: `doc:${b * 20 + j}`, value: value(b * 20 + j) }] })));
  }
  // Writing has stopped: the worker's next checkpoint copies the whole WAL.
  while (!reports.some((c) => c.checkpointed === c.log)) await once(backend.checkpoints, "checkpointed");
  expect(backend.checkpointing).toBe(true);
  expect(reports.every((c) => c.checkpointed > 0 && c.checkpointed <= c.log)).toBe(true);

  // The database file alone, without its WAL, now holds every write.
  const alone = mkdtempSync(join(dir, "alone-"));
  copyFileSync(join(dir, "icodrip.sqlite"), join(alone, "icodrip.sqlite"));
  const fromFile = new SqliteBackend(alone);
  const docs = await fromFile.getMany(Array.from({ length: 400 }, (_, i) => `doc:${i}`));
  expect(docs.map((d) => (d ? (JSON.parse(d.value) as { i: number }).i : null))).toEqual(Array.from({ length: 400 }, (_, i) => i));
  await fromFile.close();

  // And the store itself goes on: a write after the checkpoints, then a clean close and reopen.
  expect(await backend.commit({ ...emptyCommit(), puts: [{ key: "after", value: "1" }] })).toBe(true);
  await backend.close();
  const reopened = new SqliteBackend(dir);
  expect(await reopened.get("after")).toEqual({ value: "1", version: 1 });
  expect((await reopened.getMany(["doc:0", "doc:399"])).every((d) => d !== null)).toBe(true);
  await reopened.close();
});

it("starts the WAL over again and again while writes never pause and the worker checkpoints beside them", async () => {
  // The worker's checkpoints cannot finish while commits keep landing; the store's own checkpoint
  // (here at 100 pages) must still find the checkpoint lock free now and then, or the WAL would
  // grow without end. Commits of ~8 kB back to back: far more WAL than the bound below, written
  // while the worker checkpoints every 40 ms.
  const backend = new SqliteBackend(dir, "icodrip.sqlite", { checkpointFromBytes: 64 * 1024, besideWorkerCheckpointPages: 100 });
  const walSize = () => statSync(join(dir, "icodrip.sqlite-wal")).size;
  let largest = 0;
  let written = 0;
  let checkpoints = 0;
  backend.checkpoints.on("checkpointed", () => checkpoints++);
  for (let b = 0; written < 40 * 1024 * 1024; b++) {
    await Promise.all(Array.from({ length: 8 }, (_, j) => backend.commit({ ...emptyCommit(), puts: [{ key: `doc:${(b * 8 + j) % 5000}`, value: value(b * 8 + j) }] })));
    written += 8 * 1024;
    largest = Math.max(largest, walSize());
  }
  expect(backend.checkpointing).toBe(true);
  expect(checkpoints).toBeGreaterThan(0);
  // 100 pages of 4 kB is 400 kB; what lands while one checkpoint copies comes on top of it.
  expect(largest).toBeLessThan(8 * 1024 * 1024);
  await backend.close();
});

it("never starts a worker for a store that writes little", async () => {
  const backend = new SqliteBackend(dir);
  for (let i = 0; i < 20; i++) await backend.commit({ ...emptyCommit(), puts: [{ key: `k${i}`, value: "v" }] });
  expect(backend.checkpointing).toBe(false);
  await backend.close();
  const reopened = new SqliteBackend(dir);
  expect(await reopened.get("k19")).toEqual({ value: "v", version: 1 });
  await reopened.close();
});

it("says so when its worker cannot checkpoint the file, and stops", async () => {
  const worker = new Checkpointer(join(dir, "missing.sqlite"));
  const [error] = (await once(worker, "failed")) as [Error];
  expect(error.message).toMatch(/unable to open database file|the checkpoint worker exited/);
  await worker.close();
});

it("lets a process that closes the store after its worker started end normally", async () => {
  // The worker never keeps a process alive by itself, but close() waits for it: a process whose
  // last work is closing the store must still finish closing (it ended early, exit code 13).
  const source = (name: string) => pathToFileURL(join(import.meta.dirname, "..", "..", "server", "store", name)).href;
  const script = join(dir, "close.mts");
  writeFileSync(
    script,
    `import { SqliteBackend } from ${JSON.stringify(source("sqlite-backend.ts"))};
     import { emptyCommit } from ${JSON.stringify(source("backend.ts"))};
     const backend = new SqliteBackend(${JSON.stringify(dir)}, "icodrip.sqlite", { checkpointFromBytes: 1024 });
     for (let i = 0; i < 50; i++) await backend.commit({ ...emptyCommit(), puts: [{ key: "k" + i, value: "x".repeat(1000) }] });
     console.log("checkpointing " + backend.checkpointing);
     await backend.close();
     console.log("closed");`,
  );
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", script]);
  expect(stdout.trim().split("\n")).toEqual(["checkpointing true", "closed"]);
});
