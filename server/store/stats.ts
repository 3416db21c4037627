import { affiliateField, type Tally } from "../reports/figures.js";
import { keys } from "./keys.js";
import type { Unit } from "./unit.js";

// How a tally (reports/figures.ts) lands in counters: the same fields go to the workspace's day,
// the program's and the affiliate's, and, prefixed, to the day's per-affiliate hash that the
// affiliate rows read. Done inside the unit of the write it describes, so it commits with it.

export function countTally(u: Unit, workspaceId: string, tally: Tally, sign: 1 | -1): void {
  const scopes = [keys.stats(workspaceId, "all", tally.day)];
  if (tally.programId) scopes.push(keys.stats(workspaceId, `p:${tally.programId}`, tally.day));
  if (tally.affiliateId) scopes.push(keys.stats(workspaceId, `a:${tally.affiliateId}`, tally.day));
  for (const [field, value] of Object.entries(tally.fields)) {
    for (const key of scopes) u.count(key, field, sign * value);
    if (tally.programId && tally.affiliateId) {
      u.count(keys.statsByAffiliate(workspaceId, tally.day), affiliateField(tally.programId, tally.affiliateId, field), sign * value);
    }
  }
}

/** Replaces a row's old tally by its new one (either may be null: created, or counting nothing). */
export function recount(u: Unit, workspaceId: string, before: Tally | null, after: Tally | null): void {
  if (before) countTally(u, workspaceId, before, -1);
  if (after) countTally(u, workspaceId, after, 1);
}

/** Marks that something a page shows changed, so pages polling the version reload. */
export function bumpVersion(u: Unit, workspaceId: string, what: "clicks" | "conversions"): void {
  u.count(keys.statsVersion(workspaceId), what, 1);
}
