import { newId } from "../domain/ids.js";
import type { Conversion, Payout } from "../domain/types.js";
import { ApiError } from "../http/errors.js";
import { Ledger } from "../store/ledger.js";
import type { Store } from "../store/store.js";
import { intoPayout, leftPayout, paidOut } from "./lifecycle.js";
import { linesOf, planPayouts, type Skipped } from "./plan.js";

// Payout runs and what follows them. A run plans from the payable index (plan.ts) and then makes
// each payout in a commit of its own that re-reads its conversions: a concurrent run, a refund
// that landed in between, or a second call finds them already taken and makes nothing of them,
// and a process killed mid-run leaves every commission in exactly one payout or in none.

/** At most this many conversions per run; a larger backlog is paid by the next run. */
const RUN_LIMIT = 20_000;

export interface RunOptions {
  programId?: string;
  /** only commissions approved before this time (claw-backs are taken whenever they are owed) */
  before?: number;
  livemode?: boolean;
  /** told of each payout as soon as it is committed (a run is many commits) */
  onCreated?: (payout: Payout) => void;
}

export interface RunResult {
  created: Payout[];
  skipped: Skipped[];
}

/**
 * What a run would make now, without making it: holds that ended are approved first and older
 * approved commissions indexed, then the payable conversions are planned against their programs'
 * minimums. The Payouts tab shows this as "Due now"; createPayouts makes it.
 */
export async function planRun(store: Store, workspaceId: string, o: Omit<RunOptions, "onCreated">, now: number): Promise<{ plan: ReturnType<typeof planPayouts>; minimum: Map<string, number> }> {
  await store.approveDue(workspaceId, now);
  await store.indexOldPayables(workspaceId);
  const candidates = (await store.payableConversions(workspaceId, RUN_LIMIT)).filter(
    (c) =>
      (!o.programId || c.programId === o.programId) &&
      (o.livemode === undefined || c.livemode === o.livemode) &&
      (o.before === undefined || c.approvesAt < o.before || linesOf(c).some((l) => l.kind === "clawback")),
  );
  const programIds = [...new Set(candidates.map((c) => c.programId).filter((id): id is string => id !== null))];
  const programs = await Promise.all(programIds.map((id) => store.getProgram(workspaceId, id)));
  const minimum = new Map(programs.filter((p) => p !== null).map((p) => [p.id, p.minPayout ?? 0]));
  return { plan: planPayouts(candidates, (id) => minimum.get(id) ?? 0), minimum };
}

export async function createPayouts(store: Store, workspaceId: string, o: RunOptions, now: number): Promise<RunResult> {
  const { plan, minimum } = await planRun(store, workspaceId, o, now);

  const created: Payout[] = [];
  const skipped = [...plan.skipped];
  for (const planned of plan.payouts) {
    const ids = [...new Set(planned.lines.map((l) => l.conversionId))];
    const payout = await store.transact(async (unit) => {
      const ledger = new Ledger(unit, workspaceId, now);
      const affiliate = await ledger.affiliate(planned.affiliateId);
      // Read again inside the commit: what another run took, or a refund changed, is seen here.
      const fresh = (await Promise.all(ids.map((id) => ledger.conversion(id)))).filter(
        (c): c is Conversion => c !== null && c.affiliateId === planned.affiliateId && c.commission.currency === planned.currency && c.livemode === planned.livemode,
      );
      const lines = fresh.flatMap(linesOf);
      const amount = lines.reduce((sum, l) => sum + l.amount, 0);
      if (lines.length === 0 || amount <= 0 || amount < (minimum.get(planned.programId) ?? 0)) return null;
      const p: Payout = {
        id: newId("po"),
        workspaceId,
        programId: planned.programId,
        affiliateId: planned.affiliateId,
        currency: planned.currency,
        livemode: planned.livemode,
        amount,
        status: "pending",
        lines,
        method: affiliate?.payoutMethod ?? null,
        reference: null,
        createdAt: now,
        paidAt: null,
        canceledAt: null,
      };
      ledger.savePayout(p);
      for (const c of fresh) ledger.saveConversion(intoPayout(c, p, now), c, []);
      return p;
    });
    if (payout) {
      created.push(payout);
      o.onCreated?.(payout);
    }
  }
  return { created, skipped };
}

/** Marks a payout and its commissions paid; again, nothing changes. Null when there is no such payout. */
export function markPayoutPaid(store: Store, workspaceId: string, id: string, reference: string | null, now: number): Promise<Payout | null> {
  return store.transact(async (unit) => {
    const ledger = new Ledger(unit, workspaceId, now);
    const payout = await ledger.payout(id);
    if (!payout || payout.status === "paid") return payout;
    if (payout.status === "canceled") throw new ApiError(409, "payout_canceled", `Payout ${id} was canceled; its commissions went back to due. Create payouts again to pay them.`);
    const paid: Payout = { ...payout, status: "paid", paidAt: now, reference };
    ledger.savePayout(paid);
    for (const cid of new Set(payout.lines.map((l) => l.conversionId))) {
      const c = await ledger.conversion(cid);
      if (c) ledger.saveConversion(paidOut(c, paid, now), c, []);
    }
    return paid;
  });
}

/** Cancels a pending payout: its commissions are due again and its claw-backs wait for the next one. */
export function cancelPayout(store: Store, workspaceId: string, id: string, now: number): Promise<Payout | null> {
  return store.transact(async (unit) => {
    const ledger = new Ledger(unit, workspaceId, now);
    const payout = await ledger.payout(id);
    if (!payout || payout.status === "canceled") return payout;
    if (payout.status === "paid") throw new ApiError(409, "payout_paid", `Payout ${id} was paid and cannot be canceled; what a refund takes back after payment is clawed back from the next payout.`);
    const canceled: Payout = { ...payout, status: "canceled", canceledAt: now };
    ledger.savePayout(canceled);
    for (const cid of new Set(payout.lines.map((l) => l.conversionId))) {
      const c = await ledger.conversion(cid);
      if (c) ledger.saveConversion(leftPayout(c, canceled, now), c, []);
    }
    return canceled;
  });
}
