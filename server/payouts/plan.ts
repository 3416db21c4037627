import type { Conversion, PayoutLine } from "../domain/types.js";

// Which commissions a payout run gathers, and into which payouts. Pure: the store hands in the
// conversions that may be payable and the programs' minimum payouts, and writes what this
// answers, one payout per commit (store.ts, createPayouts).
//
// A conversion contributes to a payout in two ways:
// - its commission, once approved (hold passed) and not yet in a payout;
// - a claw-back, when a refund or a lost dispute took away commission that was already paid: the
//   lost part is carried into the affiliate's next payout in that currency as a negative line.
// A refund before the payout needs neither: it lowers the commission the payout will carry.

/** What is still owed on a conversion now: nothing once reversed, else its commission after refunds. */
export function owedNow(c: Pick<Conversion, "status" | "commission">): number {
  return c.status === "reversed" || c.status === "unattributed" || c.status === "awaiting_payment" ? 0 : c.commission.amount;
}

/** Commission paid out for a conversion that has since been lost, and not yet taken back in a payout. */
export function clawbackDue(c: Pick<Conversion, "status" | "commission" | "paidCommission" | "clawedBack">): number {
  return Math.max(0, (c.paidCommission ?? 0) - owedNow(c) - (c.clawedBack ?? 0));
}

/** Approved commission not yet in any payout. */
export function commissionDue(c: Pick<Conversion, "status" | "affiliateId" | "payoutId" | "commission">): number {
  return c.status === "approved" && c.affiliateId !== null && !c.payoutId ? c.commission.amount : 0;
}

/** Whether a payout run has anything to take from this conversion (the store keeps an index of those). */
export const isPayable = (c: Conversion): boolean => c.affiliateId !== null && (commissionDue(c) > 0 || clawbackDue(c) > 0);

/** The lines a conversion adds to its affiliate's next payout in its commission's currency. */
export function linesOf(c: Conversion): PayoutLine[] {
  const lines: PayoutLine[] = [];
  const due = commissionDue(c);
  if (due > 0) lines.push({ conversionId: c.id, kind: "commission", amount: due });
  const back = clawbackDue(c);
  if (back > 0) lines.push({ conversionId: c.id, kind: "clawback", amount: -back });
  return lines;
}

export interface PlannedPayout {
  programId: string;
  affiliateId: string;
  currency: string;
  livemode: boolean;
  amount: number;
  lines: PayoutLine[];
}

export interface Skipped {
  affiliateId: string;
  currency: string;
  livemode: boolean;
  amount: number;
  reason: "below_minimum" | "nothing_due";
}

/**
 * Groups the payable conversions by affiliate, commission currency and mode. A group whose total
 * is 0 or less (claw-backs outweigh what is due), or under its program's minimum payout, is
 * skipped: its lines stay where they are and wait for the next run.
 */
export function planPayouts(conversions: Conversion[], minPayoutOf: (programId: string) => number): { payouts: PlannedPayout[]; skipped: Skipped[] } {
  const groups = new Map<string, PlannedPayout>();
  for (const c of conversions) {
    if (!c.affiliateId || !c.programId) continue;
    const lines = linesOf(c);
    if (lines.length === 0) continue;
    const key = `${c.affiliateId}|${c.commission.currency}|${String(c.livemode)}`;
    let group = groups.get(key);
    if (!group) {
      group = { programId: c.programId, affiliateId: c.affiliateId, currency: c.commission.currency, livemode: c.livemode, amount: 0, lines: [] };
      groups.set(key, group);
    }
    group.lines.push(...lines);
    group.amount += lines.reduce((sum, l) => sum + l.amount, 0);
  }
  const payouts: PlannedPayout[] = [];
  const skipped: Skipped[] = [];
  for (const g of groups.values()) {
    const minimum = minPayoutOf(g.programId);
    if (g.amount <= 0 || g.amount < minimum) {
      skipped.push({ affiliateId: g.affiliateId, currency: g.currency, livemode: g.livemode, amount: g.amount, reason: g.amount <= 0 ? "nothing_due" : "below_minimum" });
    } else payouts.push(g);
  }
  return { payouts, skipped };
}
