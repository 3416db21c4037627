import type { Store } from "../store/store.js";
import { daysBetween, readFigures, splitByAffiliate, type Figures, type Mode } from "./figures.js";

// The reports: figures for a range of UTC days, read from the counters the writes keep (see
// figures.ts). Pending commissions whose hold has ended are made approved first, so the split
// between pending and approved is the one a list of the conversions shows at the same moment.

export interface ReportQuery {
  /** first and last UTC day, YYYY-MM-DD, inclusive */
  from: string;
  to: string;
  programId?: string;
  affiliateId?: string;
  /** test or live only; both added together when absent */
  mode?: Mode;
}

export interface DayFigures extends Figures {
  date: string;
}

export interface AffiliateFigures extends Figures {
  affiliateId: string;
  programId: string;
}

/** The counter scope a query reads; null when its program and affiliate cannot meet (an affiliate of another program). */
async function scopeOf(store: Store, workspaceId: string, q: ReportQuery): Promise<string | null> {
  if (q.affiliateId) {
    if (q.programId) {
      const affiliate = await store.getAffiliate(workspaceId, q.affiliateId);
      if (affiliate && affiliate.programId !== q.programId) return null;
    }
    return `a:${q.affiliateId}`;
  }
  return q.programId ? `p:${q.programId}` : "all";
}

/** Brings the counters up to `now`: rows from before the counters once, then holds that ended. */
async function settle(store: Store, workspaceId: string, now: number): Promise<void> {
  if (!complete.has(workspaceId)) {
    await store.countOldRows(workspaceId);
    complete.add(workspaceId);
  }
  await store.approveDue(workspaceId, now);
}
// Workspaces this process saw complete (the marker never goes away once written).
const complete = new Set<string>();

async function dayHashes(store: Store, workspaceId: string, q: ReportQuery, now: number): Promise<{ days: string[]; hashes: Record<string, number>[] }> {
  await settle(store, workspaceId, now);
  const days = daysBetween(q.from, q.to);
  const scope = await scopeOf(store, workspaceId, q);
  return { days, hashes: scope ? await store.readStats(workspaceId, scope, days) : days.map(() => ({})) };
}

export async function reportSummary(store: Store, workspaceId: string, q: ReportQuery, now: number): Promise<Figures> {
  const { hashes } = await dayHashes(store, workspaceId, q, now);
  return readFigures(hashes, q.mode);
}

/** One entry per day of the range, days without anything included (a chart needs them). */
export async function reportTimeseries(store: Store, workspaceId: string, q: ReportQuery, now: number): Promise<DayFigures[]> {
  const { days, hashes } = await dayHashes(store, workspaceId, q, now);
  return days.map((date, i) => ({ date, ...readFigures([hashes[i]], q.mode) }));
}

/**
 * One row per affiliate that had a click or a conversion in the range (of `programId`'s when
 * given; only `affiliateId` when given), most conversions first, then most clicks.
 */
export async function reportAffiliates(store: Store, workspaceId: string, q: ReportQuery, now: number): Promise<AffiliateFigures[]> {
  await settle(store, workspaceId, now);
  const days = daysBetween(q.from, q.to);
  const split = splitByAffiliate(await store.readAffiliateStats(workspaceId, days), q.programId);
  const rows: AffiliateFigures[] = [];
  for (const [affiliateId, { programId, hashes }] of split) {
    if (q.affiliateId && affiliateId !== q.affiliateId) continue;
    rows.push({ affiliateId, programId, ...readFigures(hashes, q.mode) });
  }
  return rows
    .filter((r) => r.clicks > 0 || r.conversions > 0 || r.commission.some((c) => c.reversed !== 0))
    .sort((a, b) => b.conversions - a.conversions || b.clicks - a.clicks || (a.affiliateId < b.affiliateId ? -1 : 1));
}
