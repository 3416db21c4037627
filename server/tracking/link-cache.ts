import type { Affiliate, Link, Program } from "../domain/types.js";
import { keys } from "../store/keys.js";
import type { Store } from "../store/store.js";

// A viral link brings thousands of clicks a second to one code, and each used to read the link
// (two reads: code, then document), its program and its affiliate before recording anything; the
// snippet's clicks read the program by key and the affiliate by code. This keeps what those
// lookups answer in memory, per instance. Every change to a workspace's
// programs, affiliates or links raises its config version in the same commit (Unit.toCommit),
// and an instance reads that version again once a second at most, so a change made anywhere
// (another instance too) reaches every instance's next click within a second of its clock.

export interface Resolved {
  link: Link;
  /** null once deleted */
  program: Program | null;
  affiliate: Affiliate | null;
}

interface Entry {
  workspaceId: string;
  value: unknown;
  /** the workspace's config version read before the documents, so a later change always shows */
  version: number;
}

const FRESH_MS = 1000;
const MAX_ENTRIES = 10_000;

export class LinkCache {
  /** by what was looked up: "link:CODE", "program:KEY", "affiliate:PROGRAM:CODE" */
  private readonly entries = new Map<string, Entry>();
  /** by config-version key: the version last read, or the read under way */
  private readonly versions = new Map<string, { version: number; checkedAt: number } | { pending: Promise<number> }>();
  /** raised by each change this process commits, so a read begun before it is not kept as fresh */
  private readonly changes = new Map<string, number>();

  constructor(private readonly store: Store) {
    store.onConfigChange((counterKey) => {
      this.versions.delete(counterKey);
      this.changes.set(counterKey, (this.changes.get(counterKey) ?? 0) + 1);
    });
  }

  /** What a link code resolves to, as of at most a second ago; null for a code no link has. */
  resolve(code: string, now: number): Promise<Resolved | null> {
    return this.cached(`link:${code}`, now, async () => {
      const link = await this.store.linkByCode(code);
      if (!link) return null;
      const [program, affiliate] = await Promise.all([this.store.getProgram(link.workspaceId, link.programId), this.store.getAffiliate(link.workspaceId, link.affiliateId)]);
      return { workspaceId: link.workspaceId, value: { link, program, affiliate } };
    });
  }

  /** The program with this public key (the snippet's data-program), as of at most a second ago. */
  program(key: string, now: number): Promise<Program | null> {
    return this.cached(`program:${key}`, now, async () => {
      const program = await this.store.programByKey(key);
      return program ? { workspaceId: program.workspaceId, value: program } : null;
    });
  }

  /** The program's affiliate with this code, as of at most a second ago. */
  affiliate(program: Program, code: string, now: number): Promise<Affiliate | null> {
    return this.cached(`affiliate:${program.id}:${code.toLowerCase()}`, now, async () => {
      const affiliate = await this.store.affiliateByCode(program.workspaceId, program.id, code);
      return affiliate ? { workspaceId: program.workspaceId, value: affiliate } : null;
    });
  }

  /**
   * The cached value while its workspace's version is unchanged; else `load` once to learn the
   * workspace, its version, then `load` again, so what is kept was read after the version it is
   * kept with (a change after that read raises the version past it; none can hide behind it).
   * Misses are not kept: a code that appears is seen at once.
   */
  private async cached<T>(id: string, now: number, load: () => Promise<{ workspaceId: string; value: T } | null>): Promise<T | null> {
    const hit = this.entries.get(id);
    if (hit && (await this.version(hit.workspaceId, now)) === hit.version) return hit.value as T;
    const first = await load();
    if (!first) {
      this.entries.delete(id);
      return null;
    }
    const version = await this.version(first.workspaceId, now);
    const again = await load();
    if (!again) return null;
    this.entries.delete(id);
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value ?? "");
    this.entries.set(id, { workspaceId: again.workspaceId, value: again.value, version });
    return again.value;
  }

  /** The workspace's config version as read at most FRESH_MS ago; concurrent clicks share one read. */
  private async version(workspaceId: string, now: number): Promise<number> {
    const key = keys.configVersion(workspaceId);
    const known = this.versions.get(key);
    if (known && "pending" in known) return known.pending;
    // abs: a clock set back (tests travel in time) must not make a reading fresh for longer.
    if (known && Math.abs(now - known.checkedAt) < FRESH_MS) return known.version;
    const changesBefore = this.changes.get(key) ?? 0;
    const pending = this.store.configVersion(workspaceId);
    this.versions.set(key, { pending });
    try {
      const version = await pending;
      // A change committed here while the read was under way: the reading may predate it.
      if ((this.changes.get(key) ?? 0) === changesBefore) this.versions.set(key, { version, checkedAt: now });
      else this.versions.delete(key);
      return version;
    } catch (error) {
      this.versions.delete(key);
      throw error;
    }
  }
}
