import type { Backend, Commit, Doc, Increment } from "./backend.js";
import { emptyCommit } from "./backend.js";
import { IcodripError } from "../domain/errors.js";
import { configVersionKeyOf } from "./keys.js";

// A unit of work: every read remembers the version it saw, writes are buffered, and the commit
// applies them only if nothing read has changed since (a key read as missing must still be
// missing). `transact` reruns the work on a conflict, so callers write plain read-decide-write
// code and still get serializable effects on both backends.

export class Unit {
  private readonly seen = new Map<string, { version: number | null; value: unknown }>();
  /**
   * Documents read ahead (prefetch, or handed in by the caller) and not used yet. One becomes a
   * read, checked at commit with the version it was fetched at, only when `read` asks for it, so
   * reading ahead more than the work uses makes no commit conflict that the work did not.
   */
  private readonly ahead = new Map<string, Doc | null>();
  /** reads asked for in the same turn, fetched together in one getMany (one round trip) */
  private batch: { keys: string[]; docs: Promise<(Doc | null)[]> } | null = null;
  private readonly commit: Commit = emptyCommit();
  private readonly written = new Map<string, unknown>();
  private readonly counts = new Map<string, Increment>();
  /** the config-version counters this unit's commit raises (see toCommit) */
  readonly configChanges = new Set<string>();

  /** `ahead`: documents the caller already read (each with its version), used as if read here. */
  constructor(
    private readonly backend: Backend,
    ahead?: ReadonlyMap<string, Doc | null>,
  ) {
    if (ahead) for (const [key, doc] of ahead) this.ahead.set(key, doc);
  }

  /** documents this unit took from its backend's Remembered docs instead of reading them */
  readonly remembered = new Set<string>();

  /**
   * Reads a program or affiliate (a document whose changes raise the config version) from what
   * this process remembers of it, with the version it had: checked at commit like any read, so
   * a change made since (by another instance too) makes the commit fail, the memory forget it,
   * and the rerun read it afresh (see transact).
   */
  async readRemembered<T>(key: string): Promise<T | null> {
    if (!this.seen.has(key) && !this.ahead.has(key)) {
      const doc = rememberedOf(this.backend).get(key);
      if (doc) {
        this.remembered.add(key);
        this.ahead.set(key, doc);
      }
    }
    const value = await this.read<T>(key);
    if (!this.remembered.has(key)) {
      const seen = this.seen.get(key);
      if (seen && seen.version !== null && !this.written.has(key)) rememberedOf(this.backend).set(key, { version: seen.version, value: JSON.stringify(seen.value) });
    }
    return value;
  }

  async read<T>(key: string): Promise<T | null> {
    const cached = this.seen.get(key);
    if (cached) return cached.value as T | null;
    let doc: Doc | null;
    if (this.ahead.has(key)) {
      doc = this.ahead.get(key) ?? null;
      this.ahead.delete(key);
    } else {
      doc = await this.fetch(key);
      // A read of the same key that finished first (and maybe a write since) is what this unit knows.
      const known = this.seen.get(key);
      if (known) return known.value as T | null;
    }
    const value = doc ? (JSON.parse(doc.value) as T) : null;
    this.seen.set(key, { version: doc?.version ?? null, value });
    return value;
  }

  /**
   * Fetches, in one round trip, documents the work is about to read, so its sequential reads
   * (the event, then the click, then the payment's refs...) do not each wait on the store.
   * Keys already known to this unit are skipped.
   */
  async prefetch(keys: readonly string[]): Promise<void> {
    const wanted = [...new Set(keys)].filter((key) => !this.seen.has(key) && !this.ahead.has(key));
    if (wanted.length === 0) return;
    const docs = await this.backend.getMany(wanted);
    wanted.forEach((key, i) => {
      if (!this.seen.has(key)) this.ahead.set(key, docs[i]);
    });
  }

  /** Reads made in the same turn of the event loop (Promise.all of two reads) share one getMany. */
  private async fetch(key: string): Promise<Doc | null> {
    let batch = this.batch;
    if (!batch) {
      const keys: string[] = [];
      const docs = Promise.resolve().then(() => {
        this.batch = null;
        return this.backend.getMany(keys);
      });
      batch = this.batch = { keys, docs };
    }
    let at = batch.keys.indexOf(key);
    if (at < 0) at = batch.keys.push(key) - 1;
    return (await batch.docs)[at];
  }

  /**
   * What this unit knows of a key without reading it: the value it read or wrote, or undefined
   * when it has done neither.
   */
  peek(key: string): unknown {
    if (this.written.has(key)) return this.written.get(key);
    return this.seen.get(key)?.value;
  }

  write(key: string, value: unknown, ttlMs?: number): void {
    this.written.set(key, value);
    const put = { key, value: JSON.stringify(value), ttlMs };
    const at = this.commit.puts.findIndex((p) => p.key === key);
    if (at >= 0) this.commit.puts[at] = put;
    else this.commit.puts.push(put);
    const seen = this.seen.get(key);
    // Later reads in this unit see the write; the version stays the one read (or unread).
    if (seen) seen.value = value;
  }

  remove(key: string): void {
    this.written.set(key, null);
    this.commit.deletes.push(key);
  }

  index(key: string, member: string, score: number): void {
    this.commit.indexAdds.push({ key, member, score });
  }

  unindex(key: string, member: string): void {
    this.commit.indexRemoves.push({ key, member });
  }

  /** Adds to a counter when the unit commits (see Increment); increments of one field add up to one. */
  count(key: string, field: string, by: number): void {
    if (by === 0) return;
    const id = `${key}\u0000${field}`;
    const at = this.counts.get(id);
    if (at) at.by += by;
    else this.counts.set(id, { key, field, by });
  }

  /** True when the unit writes nothing; it still commits its checks if it used remembered reads. */
  get isEmpty(): boolean {
    const c = this.commit;
    return c.puts.length + c.deletes.length + c.indexAdds.length + c.indexRemoves.length + this.counts.size === 0;
  }

  toCommit(): Commit {
    const checks = [...this.seen.entries()].map(([key, s]) => ({ key, version: s.version }));
    const increments = [...this.counts.values()].filter((i) => i.by !== 0);
    // A change to a program, affiliate or link raises its workspace's config version in the same
    // commit, whoever made it, so caches of them (tracking/link-cache.ts) cannot miss it.
    this.configChanges.clear();
    for (const key of [...this.commit.puts.map((p) => p.key), ...this.commit.deletes]) {
      const counter = configVersionKeyOf(key);
      if (counter && !this.configChanges.has(counter)) {
        this.configChanges.add(counter);
        increments.push({ key: counter, field: "v", by: 1 });
      }
    }
    return { ...this.commit, checks, increments };
  }
}

export class StoreConflictError extends IcodripError {
  readonly code = "store_conflict";
  constructor(attempts: number) {
    super(`The change kept conflicting with concurrent changes after ${attempts} attempts; retry the request.`);
  }
}

// Told of each config-version counter a committed unit raised, in this process: a cache here
// drops what it holds at once instead of waiting for its next read of the version.
const configListeners = new WeakMap<Backend, Set<(counterKey: string) => void>>();

/**
 * Programs and affiliates as this process last read them, with their versions, per backend: a
 * webhook delivery reads both, and they change rarely. A change this process commits drops its
 * workspace's at once (onConfigChange: the same config-version counters the link cache follows);
 * one made elsewhere is caught by the version check at commit (Unit.readRemembered).
 */
export class Remembered {
  /** by config-version key (one per workspace), then document key */
  private readonly byWorkspace = new Map<string, Map<string, Doc>>();
  private size = 0;

  constructor(private readonly max = 10_000) {}

  get(key: string): Doc | undefined {
    const counter = configVersionKeyOf(key);
    return counter ? this.byWorkspace.get(counter)?.get(key) : undefined;
  }

  set(key: string, doc: Doc): void {
    const counter = configVersionKeyOf(key);
    if (!counter) return;
    if (this.size >= this.max) this.clear();
    let docs = this.byWorkspace.get(counter);
    if (!docs) this.byWorkspace.set(counter, (docs = new Map<string, Doc>()));
    if (!docs.has(key)) this.size++;
    docs.set(key, doc);
  }

  forget(key: string): void {
    const counter = configVersionKeyOf(key);
    if (counter && this.byWorkspace.get(counter)?.delete(key)) this.size--;
  }

  forgetWorkspace(counterKey: string): void {
    this.size -= this.byWorkspace.get(counterKey)?.size ?? 0;
    this.byWorkspace.delete(counterKey);
  }

  private clear(): void {
    this.byWorkspace.clear();
    this.size = 0;
  }
}

const remembered = new WeakMap<Backend, Remembered>();

function rememberedOf(backend: Backend): Remembered {
  let memory = remembered.get(backend);
  if (!memory) {
    const made = (memory = new Remembered());
    remembered.set(backend, made);
    onConfigChange(backend, (counterKey) => made.forgetWorkspace(counterKey));
  }
  return memory;
}

export function onConfigChange(backend: Backend, listener: (counterKey: string) => void): void {
  let listeners = configListeners.get(backend);
  if (!listeners) configListeners.set(backend, (listeners = new Set()));
  listeners.add(listener);
}

// `work` may be synchronous (plain writes); a throw from it rejects the transaction all the same.
// `ahead` (documents read before, with their versions) seeds the first attempt only: its commit
// checks them, and a rerun after a conflict reads everything afresh.
export async function transact<T>(backend: Backend, work: (unit: Unit) => T | Promise<T>, attempts = 100, ahead?: ReadonlyMap<string, Doc | null>): Promise<T> {
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const unit = new Unit(backend, attempt === 1 ? ahead : undefined);
    const result = await work(unit);
    // A unit that writes nothing commits nothing, unless it used remembered documents: then its
    // checks alone are committed, so what it answers was current, as if it had read them.
    if (unit.isEmpty && unit.remembered.size === 0) return result;
    if (await backend.commit(unit.toCommit())) {
      for (const counter of unit.configChanges) for (const listener of configListeners.get(backend) ?? []) listener(counter);
      return result;
    }
    // One of the documents it remembered may be what changed: forgotten, so the rerun reads them.
    for (const key of unit.remembered) rememberedOf(backend).forget(key);
    // Yield so the writer that won can finish before this one reads again.
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new StoreConflictError(attempts);
}
