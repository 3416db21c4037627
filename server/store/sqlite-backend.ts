import { chmodSync, closeSync, existsSync, fdatasync, fstatSync, mkdirSync, openSync, statSync } from "node:fs";
import { join } from "node:path";
import { EventEmitter } from "node:events";
import Database from "better-sqlite3";
import { sumIncrements, type Backend, type Commit, type Doc, type Guard, type GuardedOutcome, type Increment, type RangeQuery } from "./backend.js";
import { Checkpointer, type Checkpointed } from "./sqlite-checkpointer.js";

// The embedded store: one SQLite file in DATA_DIR, written through WAL, so a committed change
// survives a crash or power loss: each commit is answered only once the WAL that holds it is on
// disk (see flush()). better-sqlite3 is synchronous, so a commit runs inside one transaction that
// no other call can interleave with; the writes of one turn of the event loop share that
// transaction (group commit, see write()).

/** Flushes a file's data to disk and calls back; fs.fdatasync, or a stand-in in tests. */
export type SyncFile = (fd: number, callback: (error: Error | null) => void) => void;

/** A write waiting for the next group commit, and what became of it. */
interface Queued {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}
type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export interface SqliteOptions {
  /** flushes a file to disk: fs.fdatasync, or a stand-in in tests */
  syncFile?: SyncFile;
  /** the WAL size from which a worker thread checkpoints it (sqlite-checkpointer.ts); 1 MiB */
  checkpointFromBytes?: number;
  /** SQLite's own checkpoint threshold on this connection while the worker runs (pages; see below) */
  besideWorkerCheckpointPages?: number;
}

// SQLite's own checkpoint threshold (pages): its default while no worker checkpoints, and far
// higher while one does: under steady writes the worker's checkpoints do not finish, and this
// one, copying only what the worker has not, is what lets the WAL start over (sqlite-checkpointer.ts).
const OWN_CHECKPOINT_PAGES = 1_000;
const BESIDE_WORKER_CHECKPOINT_PAGES = 16_000;

export class SqliteBackend implements Backend {
  readonly kind = "embedded" as const;
  private readonly db: Database.Database;
  private readonly stmt;
  private readonly walFile: string;
  /** the WAL, opened to sync it (see durable()) */
  private wal: { fd: number; ino: number } | null = null;
  /** syncs under way; close() waits for them */
  private readonly syncing = new Set<Promise<void>>();
  /** writes waiting for the next group commit (write()) */
  private queue: Queued[] = [];
  /** a flush is due at the end of this turn */
  private scheduled = false;
  private readonly file: string;
  private readonly syncFile: SyncFile;
  private readonly checkpointFromBytes: number;
  private readonly besideWorkerCheckpointPages: number;
  /** the worker that checkpoints the WAL once it has grown (startCheckpointer) */
  private checkpointer: Checkpointer | null = null;
  private checkpointerFailed = false;
  /** while a batch runs without savepoints: its counter increments, summed at its end (runBatch) */
  private merged: Increment[] | null = null;
  /** what the checkpoint worker reports: "checkpointed" (SQLite's figures) and "failed" */
  readonly checkpoints = new EventEmitter<{ checkpointed: [Checkpointed]; failed: [Error] }>();

  constructor(dataDir: string, fileName = "icodrip.sqlite", options: SqliteOptions = {}) {
    this.syncFile = options.syncFile ?? fdatasync;
    this.checkpointFromBytes = options.checkpointFromBytes ?? 1 << 20;
    this.besideWorkerCheckpointPages = options.besideWorkerCheckpointPages ?? BESIDE_WORKER_CHECKPOINT_PAGES;
    mkdirSync(dataDir, { recursive: true });
    const file = join(dataDir, fileName);
    this.file = file;
    this.walFile = `${file}-wal`;
    // The file holds sealed tokens, password hashes and every merchant's data: readable by its owner
    // only, like the secret beside it. SQLite creates the -wal and -shm files with the mode of the
    // database file, so making that one 0600 before SQLite opens it covers all three; files made by
    // an earlier version are narrowed too.
    closeSync(openSync(file, "a", 0o600));
    for (const path of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(path)) chmodSync(path, 0o600);
    this.db = new Database(file);
    this.db.pragma("journal_mode = WAL");
    // NORMAL: SQLite does not sync the WAL at each commit; flush() does, on a thread of libuv's
    // pool, so the event loop goes on serving (and batching the next commits) while the disk
    // works, instead of stopping for every sync as it did under FULL. Checkpoints still sync the
    // WAL before copying it and the database after, as under FULL.
    this.db.pragma("synchronous = NORMAL");
    this.db.pragma("busy_timeout = 5000");
    moveDocsOutOfWithoutRowid(this.db);
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS docs (${DOCS_COLUMNS});
      CREATE UNIQUE INDEX IF NOT EXISTS docs_by_key ON docs (key);
      CREATE TABLE IF NOT EXISTS idx (
        key TEXT NOT NULL, member TEXT NOT NULL, score REAL NOT NULL, PRIMARY KEY (key, member)
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS idx_by_score ON idx (key, score, member);
      CREATE TABLE IF NOT EXISTS counters (
        key TEXT NOT NULL, field TEXT NOT NULL, value INTEGER NOT NULL, PRIMARY KEY (key, field)
      ) WITHOUT ROWID;
    `);
    this.stmt = {
      get: this.db.prepare<[string, number], { value: string; version: number }>(
        "SELECT value, version FROM docs WHERE key = ? AND (expires_at IS NULL OR expires_at > ?)",
      ),
      version: this.db.prepare<[string, number], { version: number }>(
        "SELECT version FROM docs WHERE key = ? AND (expires_at IS NULL OR expires_at > ?)",
      ),
      put: this.db.prepare(
        `INSERT INTO docs (key, value, version, expires_at) VALUES (@key, @value, 1, @expiresAt)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at,
           version = CASE WHEN docs.expires_at IS NOT NULL AND docs.expires_at <= @now THEN 1 ELSE docs.version + 1 END`,
      ),
      delete: this.db.prepare("DELETE FROM docs WHERE key = ?"),
      indexAdd: this.db.prepare(
        "INSERT INTO idx (key, member, score) VALUES (?, ?, ?) ON CONFLICT(key, member) DO UPDATE SET score = excluded.score",
      ),
      indexRemove: this.db.prepare("DELETE FROM idx WHERE key = ? AND member = ?"),
      increment: this.db.prepare(
        "INSERT INTO counters (key, field, value) VALUES (?, ?, ?) ON CONFLICT(key, field) DO UPDATE SET value = value + excluded.value",
      ),
      counters: this.db.prepare<[string], { field: string; value: number }>("SELECT field, value FROM counters WHERE key = ?"),
      purge: this.db.prepare("DELETE FROM docs WHERE rowid > ? AND rowid <= ? AND expires_at IS NOT NULL AND expires_at <= ?"),
      lastRowid: this.db.prepare<[], { last: number | null }>("SELECT max(rowid) AS last FROM docs"),
      setValue: this.db.prepare("UPDATE docs SET value = ? WHERE key = ?"),
      // A read transaction's (together()). END is COMMIT's other name, so the bench, which times
      // every "COMMIT" as the part of a group commit that holds the event loop, leaves it out.
      begin: this.db.prepare("BEGIN"),
      end: this.db.prepare("END"),
    };
  }

  get(key: string): Promise<Doc | null> {
    return settle(() => this.stmt.get.get(key, Date.now()) ?? null);
  }

  getMany(keys: string[]): Promise<(Doc | null)[]> {
    const now = Date.now();
    return settle(() => this.together(keys.length, () => keys.map((key) => this.stmt.get.get(key, now) ?? null)));
  }

  /**
   * Runs `count` reads in one read transaction. A statement run on its own is a transaction of
   * its own, which takes and drops a lock on the WAL's read mark and one on the database file,
   * each a system call (fcntl): a webhook delivery's read of nine documents made about 17 such
   * calls, and makes 3 this way (5-12 % less CPU per embedded delivery in five of seven
   * alternating runs). The reads also see one state of the store, as a Redis script's do.
   */
  private together<T>(count: number, read: () => T): T {
    if (count < 2 || this.db.inTransaction) return read();
    this.stmt.begin.run();
    try {
      return read();
    } finally {
      this.stmt.end.run();
    }
  }

  range(indexKey: string, q: RangeQuery): Promise<{ member: string; score: number }[]> {
    return settle(() => this.rangeNow(indexKey, q));
  }

  private rangeNow(indexKey: string, q: RangeQuery): { member: string; score: number }[] {
    const where = ["key = @key"];
    if (q.min !== undefined) where.push("score >= @min");
    if (q.max !== undefined) where.push("score <= @max");
    if (q.after) {
      where.push(
        q.reverse
          ? "(score < @afterScore OR (score = @afterScore AND member < @afterMember))"
          : "(score > @afterScore OR (score = @afterScore AND member > @afterMember))",
      );
    }
    const order = q.reverse ? "score DESC, member DESC" : "score ASC, member ASC";
    const sql = `SELECT member, score FROM idx WHERE ${where.join(" AND ")} ORDER BY ${order} LIMIT @limit`;
    return this.db.prepare<Record<string, unknown>, { member: string; score: number }>(sql).all({
      key: indexKey,
      min: q.min,
      max: q.max,
      afterScore: q.after?.score,
      afterMember: q.after?.member,
      limit: q.limit,
    });
  }

  commit(c: Commit): Promise<boolean> {
    return this.write(() => this.apply(c));
  }

  commitOnce(c: Commit, guard: Guard): Promise<GuardedOutcome> {
    return this.write((): GuardedOutcome => {
      if (guard.rate && this.count(guard.rate.key, guard.rate.windowMs) > guard.rate.limit) return { outcome: "limited" };
      const doc = this.stmt.get.get(guard.absent, Date.now());
      if (doc) return { outcome: "exists", doc };
      return this.apply(c) ? { outcome: "applied" } : { outcome: "conflict" };
    });
  }

  /** A commit's checks, then its writes, inside the batch's transaction (write()). */
  private apply(c: Commit): boolean {
    const now = Date.now();
    for (const check of c.checks) {
      const row = this.stmt.version.get(check.key, now);
      if ((row?.version ?? null) !== check.version) return false;
    }
    for (const p of c.puts) {
      this.stmt.put.run({ key: p.key, value: p.value, expiresAt: p.ttlMs ? now + p.ttlMs : null, now });
    }
    for (const key of c.deletes) this.stmt.delete.run(key);
    for (const a of c.indexAdds) this.stmt.indexAdd.run(a.key, a.member, a.score);
    for (const r of c.indexRemoves) this.stmt.indexRemove.run(r.key, r.member);
    if (this.merged) this.merged.push(...(c.increments ?? []));
    else for (const i of c.increments ?? []) this.stmt.increment.run(i.key, i.field, i.by);
    return true;
  }

  /**
   * Group commit. Every write made in one turn of the event loop (a burst of clicks, say) runs in
   * one transaction, so they share one fsync instead of paying one each, and each is answered
   * only once that transaction is durable. One that throws is undone and rejected alone, and the
   * others still commit. They apply in the order they were made, each seeing the ones before it,
   * exactly as if they had run one by one.
   */
  private write<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      this.schedule();
    });
  }

  /**
   * Flushes at the end of this turn, unless a sync is under way: then the writes wait for it to
   * end and go together in the next batch. A commit costs about as much as several writes, so
   * under load batches grow with the disk's latency instead of one commit and sync per turn
   * (a burst of clicks measured 10 writes a batch before, and 77 µs of CPU per write against 39
   * at 32 a batch); when idle nothing is waiting and a write is flushed at once, as before.
   */
  private schedule(): void {
    if (this.scheduled || this.syncing.size > 0 || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    let outcomes: Outcome[];
    try {
      // A savepoint per write (SAVEPOINT and RELEASE) cost as much as the write itself, so the
      // batch first runs without them. A write that throws midway may have left part of itself
      // behind, so then the whole transaction is rolled back and the batch runs again with a
      // savepoint around each write. The writes only read and write the database, so running
      // them again after the rollback is running them for the first time.
      outcomes = this.runBatch(batch, false) ?? (this.runBatch(batch, true) as Outcome[]);
    } catch (error) {
      // The batch could not commit (the lock stayed busy, the disk is full): none of it applied.
      for (const item of batch) item.reject(error);
      return;
    }
    // Answered once the WAL holding the batch is on disk. A sync that fails leaves the batch
    // committed but maybe not durable: each write is rejected, so its caller reports an outcome
    // unknown (CommitOutcomeUnknown) rather than a success. Until the sync ends, other reads in
    // this process already see the batch, as they would any committed write; every webhook
    // answer is itself a commit, so it waits for a sync that covers what it read.
    this.durable().then(
      () =>
        batch.forEach((item, i) => {
          const outcome = outcomes[i];
          if (outcome.ok) item.resolve(outcome.value);
          else item.reject(outcome.error);
        }),
      (error: unknown) => {
        for (const item of batch) item.reject(error);
      },
    );
  }

  /**
   * Runs the batch in one IMMEDIATE transaction (it takes the write lock before any check, so
   * another process sharing the file, an operator's mistake but possible, cannot slip in between
   * check and write) and commits it. Without savepoints, the first write that throws rolls the
   * whole batch back and this answers null; with them (a transaction inside a transaction is a
   * savepoint in better-sqlite3), that write alone is undone and its error kept as its outcome.
   */
  private runBatch(batch: Queued[], savepoints: boolean): Outcome[] | null {
    const outcomes: Outcome[] = [];
    const failed = new Error("a write of the batch threw");
    // Without savepoints every write of the batch commits or none does, so their counter
    // increments can be summed and applied once at the end: a burst of clicks on one program
    // adds to the same few counters, and that is one statement per counter instead of one per
    // click and counter. Nothing in a batch reads counters, so no write sees the difference.
    const merged: Increment[] | null = savepoints ? null : [];
    this.merged = merged;
    try {
      this.db
        .transaction(() => {
          for (const item of batch) {
            try {
              outcomes.push({ ok: true, value: savepoints ? this.db.transaction(item.work)() : item.work() });
            } catch (error) {
              if (!savepoints) throw failed;
              outcomes.push({ ok: false, error });
            }
          }
          for (const i of sumIncrements(merged ?? [])) this.stmt.increment.run(i.key, i.field, i.by);
        })
        .immediate();
    } catch (error) {
      if (error === failed) return null;
      throw error;
    } finally {
      this.merged = null;
    }
    return outcomes;
  }

  /**
   * Syncs the WAL, after a commit, off the event loop. Every commit's frames are in the WAL when
   * it returns, so a sync begun after it covers it (and any commit before it). The WAL is opened
   * again if SQLite ever replaced the file, so the sync always reaches the one being written.
   */
  private durable(): Promise<void> {
    const sync = new Promise<void>((resolve, reject) => {
      let wal: { fd: number; size: number };
      try {
        wal = this.openWal();
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      if (wal.size >= this.checkpointFromBytes) this.startCheckpointer();
      this.syncFile(wal.fd, (error) => (error ? reject(error) : resolve()));
    });
    this.syncing.add(sync);
    const done = () => {
      this.syncing.delete(sync);
      this.schedule();
    };
    sync.then(done, done);
    return sync;
  }

  /** The WAL's descriptor, opened again if SQLite replaced the file, and its size now. */
  private openWal(): { fd: number; size: number } {
    const { ino, size } = statSync(this.walFile);
    if (this.wal?.ino !== ino) {
      if (this.wal) closeSync(this.wal.fd);
      this.wal = null;
      const fd = openSync(this.walFile, "r");
      this.wal = { fd, ino: fstatSync(fd).ino };
    }
    return { fd: this.wal.fd, size };
  }

  /** Whether a worker thread checkpoints the WAL now (see startCheckpointer). */
  get checkpointing(): boolean {
    return this.checkpointer !== null;
  }

  /**
   * Hands checkpoints to a worker thread (sqlite-checkpointer.ts) once the WAL is big enough to
   * need them; a store that writes little never starts one. Should the worker fail, this
   * connection checkpoints at SQLite's own threshold again, as it did before the worker.
   */
  private startCheckpointer(): void {
    if (this.checkpointer || this.checkpointerFailed) return;
    const worker = new Checkpointer(this.file);
    this.checkpointer = worker;
    this.db.pragma(`wal_autocheckpoint = ${this.besideWorkerCheckpointPages}`);
    worker.on("checkpointed", (c) => this.checkpoints.emit("checkpointed", c));
    worker.on("failed", (error) => {
      this.checkpointer = null;
      this.checkpointerFailed = true;
      if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${OWN_CHECKPOINT_PAGES}`);
      this.checkpoints.emit("failed", error);
    });
  }

  counters(keys: string[]): Promise<Record<string, number>[]> {
    return settle(() =>
      this.together(keys.length, () =>
        keys.map((key) => {
          const out: Record<string, number> = {};
          for (const row of this.stmt.counters.all(key)) out[row.field] = row.value;
          return out;
        }),
      ),
    );
  }

  hit(key: string, windowMs: number): Promise<number> {
    return this.write(() => this.count(key, windowMs));
  }

  /** A fixed-window hit counter; the window starts with its first hit. */
  private count(key: string, windowMs: number): number {
    const now = Date.now();
    const row = this.stmt.get.get(key, now);
    const count = row ? Number(row.value) + 1 : 1;
    if (row) this.stmt.setValue.run(String(count), key);
    else this.stmt.put.run({ key, value: "1", expiresAt: now + windowMs, now });
    return count;
  }

  /**
   * Removes expired documents; called hourly by the server. Finding them means reading every
   * document (an index on the expiry made each click's commit write about 15 % more), which on a
   * store of a million took 220 ms in one statement: every request waited that long, once an
   * hour. So the table is read a slice of rows at a time (PURGE_SLICE), with a pause between
   * slices in which the event loop serves what came meanwhile: on that store the longest wait
   * fell to 7 ms, the purge taking 2.3 s in all.
   */
  async purgeExpired(pauseMs = 20): Promise<number> {
    const now = Date.now();
    const last = this.stmt.lastRowid.get()?.last ?? 0;
    // A call, not the property: the store may close during a pause.
    const open = () => this.db.open;
    let removed = 0;
    for (let from = 0; from < last; from += PURGE_SLICE) {
      if (from > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
      if (!open()) break;
      removed += this.stmt.purge.run(from, from + PURGE_SLICE, now).changes;
    }
    return removed;
  }

  async close(): Promise<void> {
    await settle(() => this.flush()); // writes already made are committed, not lost with the connection
    // Their answers wait on syncs; the file they sync stays open until those end.
    await Promise.allSettled([...this.syncing]);
    await this.checkpointer?.close();
    this.checkpointer = null;
    if (this.wal) closeSync(this.wal.fd);
    this.wal = null;
    this.db.close();
  }
}

/** Rows of the documents' table one purge statement reads (purgeExpired). */
const PURGE_SLICE = 10_000;

// Documents live in a plain (rowid) table with a unique index on their key. They were a WITHOUT
// ROWID table keyed by it, where a row is a cell of an index B-tree: a document over about 1 kB
// (a conversion, a connection) spilled its tail to an overflow page of its own, and the interior
// pages, which in such a tree hold whole rows as dividers, made every lookup's binary search read
// the overflowing dividers it compared against, straight from the file (SQLite reads overflow
// pages around its cache). On a bench store of 82,000 documents that was 2.9 pread calls and
// 3.5-4.0 µs per lookup, against none and 1.3 µs with the index, in half the pages.
const DOCS_COLUMNS = "key TEXT NOT NULL, value TEXT NOT NULL, version INTEGER NOT NULL, expires_at INTEGER";

/** Moves the documents of a store made before into the plain table, in one transaction (once); the schema's own statements then index it. */
function moveDocsOutOfWithoutRowid(db: Database.Database): void {
  const docs = db.prepare<[], { sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'docs'").get();
  if (!docs || !/WITHOUT\s+ROWID/i.test(docs.sql)) return;
  db.transaction(() => {
    db.exec(`
      CREATE TABLE docs_moved (${DOCS_COLUMNS});
      INSERT INTO docs_moved (key, value, version, expires_at) SELECT key, value, version, expires_at FROM docs;
      DROP TABLE docs;
      ALTER TABLE docs_moved RENAME TO docs;
    `);
  })();
}

// The Backend contract is asynchronous and SQLite answers synchronously. Running the work inside a
// promise's executor turns a throw (SQLITE_BUSY, a closed database) into a rejection, as callers expect.
function settle<T>(work: () => T): Promise<T> {
  return new Promise<T>((resolve) => {
    resolve(work());
  });
}
