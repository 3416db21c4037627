import type { Payout } from "../domain/types.js";

/** A payout as its affiliate sees it: what was paid or is on its way, and what claw-backs it took. */
export function portalPayout(p: Payout) {
  const sum = (kind: "commission" | "clawback") => p.lines.filter((l) => l.kind === kind).reduce((total, l) => total + l.amount, 0);
  return {
    id: p.id,
    currency: p.currency,
    amount: p.amount,
    /** the commissions it pays, before claw-backs */
    commission: sum("commission"),
    /** commission lost to refunds or disputes after an earlier payout, taken back here (≤ 0) */
    clawback: sum("clawback"),
    status: p.status,
    reference: p.reference,
    createdAt: new Date(p.createdAt).toISOString(),
    paidAt: p.paidAt === null ? null : new Date(p.paidAt).toISOString(),
  };
}
