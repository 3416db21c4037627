import { EventEmitter } from "node:events";
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

// SQLite copies the WAL back into the database file (a checkpoint) inside whichever commit pushes
// the WAL past 1,000 pages, on that connection's thread: for the embedded store, the event loop.
// A checkpoint copies every page written since the last one and syncs both files, and measured
// under a burst of clicks it cost the loop about a quarter of its CPU and most of its p99 (the
// loop stood still for each sync). This moves that work to a worker thread with a connection of
// its own: SQLite lets any connection checkpoint a WAL database, passively (never waiting for, nor
// blocking, the writer), and it still syncs the WAL before and the database after, so durability
// is SQLite's own. The store's connection keeps a checkpoint of its own at a far higher
// threshold. Under steady writes that one is what lets the WAL start over: a passive checkpoint
// finishes only if no commit lands while it copies and syncs, which does not happen once commits
// come more often than a checkpoint takes (a few ms). So the worker does the bulk of the copying,
// and the connection's own checkpoint copies the rest, with its syncs, inside one COMMIT now and
// then.
//
// How much "the rest" is sets how long that COMMIT holds the event loop, and with it every request
// in the process, so the worker checkpoints often: CHECKPOINT_GAP_MS after its last checkpoint
// ended. In eight alternating pairs at a steady 2,000 clicks/s right after 6 s at full speed, the
// longest COMMIT took 12.5–17.3 ms with a checkpoint every 200 ms and 4.5–10.4 ms with one 40 ms
// after the last; the clicks' p99 went from 12.5–16.9 to 7.4–14.5 ms (the WAL's own syncs, which
// only writes wait for, a little slower), and the full-speed rates stayed level. 20 ms cost about
// 5 % of the clicks' rate. The gap after each checkpoint, rather than a fixed beat, is what leaves
// the connection's own checkpoint a moment in which the worker does not hold the checkpoint lock:
// on a fixed beat shorter than a checkpoint takes on a slow disk, the worker could hold it without
// pause, the connection's checkpoint would always find it taken, and the WAL would never start
// over.

/** What the worker says after each checkpoint that copied something: SQLite's own figures. */
export interface Checkpointed {
  /** frames in the WAL */
  log: number;
  /** frames of it now copied into the database file */
  checkpointed: number;
}

// The worker's code is given as a string (CommonJS, plain JavaScript) rather than as a file: the
// same string runs under the compiled server, under tsx and under the test runner, none of
// which would load a TypeScript worker file alike. It loads the same better-sqlite3 as the store.
const WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const describe = (error) => String((error && error.message) || error);
let db;
try {
  const Database = require(workerData.driver);
  db = new Database(workerData.file, { fileMustExist: true });
  db.pragma("synchronous = NORMAL");
} catch (error) {
  parentPort.postMessage({ error: describe(error) });
}
let last = -1;
const run = () => {
  try {
    const [row] = db.pragma("wal_checkpoint(PASSIVE)");
    if (row.busy === 0 && row.checkpointed > 0 && row.checkpointed !== last) parentPort.postMessage({ log: row.log, checkpointed: row.checkpointed });
    last = row.checkpointed;
  } catch (error) {
    parentPort.postMessage({ error: describe(error) });
  }
};
let timer = null;
const next = () => {
  timer = setTimeout(() => {
    run();
    next();
  }, workerData.gapMs);
};
if (db) next();
parentPort.on("message", (message) => {
  if (message === "close") {
    clearTimeout(timer);
    if (db) db.close();
    parentPort.close();
  }
});
`;

/** How long the worker waits after a checkpoint before the next (see the top of this file). */
const CHECKPOINT_GAP_MS = 40;

/**
 * Checkpoints one database file from a worker thread, `gapMs` after each checkpoint. Emits "checkpointed"
 * (Checkpointed) when a checkpoint copied frames, and "failed" (Error) once if the worker cannot
 * go on, after which it stops; the store then checkpoints on its own connection again.
 */
export class Checkpointer extends EventEmitter<{ checkpointed: [Checkpointed]; failed: [Error] }> {
  private readonly worker: Worker;
  private stopped = false;

  constructor(file: string, gapMs = CHECKPOINT_GAP_MS) {
    super();
    const driver = createRequire(import.meta.url).resolve("better-sqlite3");
    this.worker = new Worker(WORKER, { eval: true, workerData: { driver, file, gapMs } });
    // A checkpointer never keeps the process alive: close() ends it, and so does the exit.
    this.worker.unref();
    this.worker.on("message", (message: Checkpointed | { error: string }) => {
      if ("error" in message) this.fail(new Error(`the WAL checkpoint failed: ${message.error}`));
      else this.emit("checkpointed", message);
    });
    // What a worker throws reaches here cloned, a SqliteError as a plain object: its message is kept.
    this.worker.on("error", (error: unknown) => this.fail(new Error(`the checkpoint worker stopped: ${messageOf(error)}`)));
    this.worker.on("exit", () => this.fail(new Error("the checkpoint worker exited")));
  }

  async close(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const exited = new Promise<void>((resolve) => this.worker.once("exit", () => resolve()));
    // Held until it has exited: an unref'd worker alone would let the process end while close()
    // still waits (a top-level await left unsettled, exit code 13).
    this.worker.ref();
    this.worker.postMessage("close");
    await exited;
  }

  private fail(error: Error): void {
    if (this.stopped) return;
    this.stopped = true;
    void this.worker.terminate();
    this.emit("failed", error);
  }
}

const messageOf = (error: unknown): string =>
  typeof error === "object" && error !== null && "message" in error && typeof error.message === "string" ? error.message : String(error);
