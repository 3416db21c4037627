import type { Affiliate, Link, Program } from "../domain/types.js";
import { keys } from "../store/keys.js";
import type { Store } from "../store/store.js";

// A viral link brings thousands of clicks a second to one code, and each used to read the link
// (two reads: code, then document), its program and its affiliate before recording anything.
// This keeps what a code resolves to in memory, per instance. Every change to a workspace's
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
  value: Resolved;
  /** the workspace's config version read before the documents, so a later change always shows */
  version: number;
}

const FRESH_MS = 1000;
const MAX_ENTRIES = 10_000;

export class LinkCache {
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
  async resolve(code: string, now: number): Promise<Resolved | null> {
    const hit = this.entries.get(code);
    if (hit && (await this.version(hit.value.link.workspaceId, now)) === hit.version) return hit.value;
    const link = await this.store.linkByCode(code);
    if (!link) {
      this.entries.delete(code);
      return null;
    }
    // The version first, then every document again: a change after this read raises the version
    // past the entry's and the entry is read anew; none can hide behind it.
    const version = await this.version(link.workspaceId, now);
    const [again, program, affiliate] = await Promise.all([
      this.store.getLink(link.workspaceId, link.id),
      this.store.getProgram(link.workspaceId, link.programId),
      this.store.getAffiliate(link.workspaceId, link.affiliateId),
    ]);
    if (!again) return null;
    const value: Resolved = { link: again, program, affiliate };
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value ?? "");
    this.entries.set(code, { value, version });
    return value;
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
