import type { Conversion, Payout, StatusChange } from "../domain/types.js";

// What entering, being paid in and leaving a payout does to a conversion. Pure; the store applies
// it to each conversion of a payout in the commit that changes the payout.

// A conversion's history is for reading one commission's story; a runaway one (a subscription
// refunded and disputed many times) keeps its latest changes.
const HISTORY_LIMIT = 50;

/** The conversion with one more change in its history. */
export function noted(c: Conversion, change: StatusChange): Conversion {
  return { ...c, history: [...(c.history ?? []), change].slice(-HISTORY_LIMIT) };
}

/** Its lines of a new payout: the commission now belongs to the payout, a claw-back is taken. */
export function intoPayout(c: Conversion, payout: Payout, at: number): Conversion {
  let next = c;
  for (const line of payout.lines) {
    if (line.conversionId !== c.id) continue;
    if (line.kind === "commission") next = { ...next, payoutId: payout.id };
    else next = { ...next, clawedBack: (next.clawedBack ?? 0) - line.amount };
  }
  return noted(next, { at, status: next.status, payoutId: payout.id, note: "in payout" });
}

/** The payout was paid: the commission it carried is paid (a claw-back line was settled by it). */
export function paidOut(c: Conversion, payout: Payout, at: number): Conversion {
  let next = c;
  for (const line of payout.lines) {
    if (line.conversionId !== c.id || line.kind !== "commission" || c.payoutId !== payout.id) continue;
    // A commission disputed or refunded since the payout was made is paid all the same (the
    // money went out); what it lost is clawed back from the next payout.
    next = { ...next, paidCommission: (next.paidCommission ?? 0) + line.amount, status: next.status === "approved" ? "paid" : next.status };
  }
  return noted(next, { at, status: next.status, payoutId: payout.id, note: "payout paid" });
}

/** The payout was canceled: the commission is due again and a claw-back waits for the next payout. */
export function leftPayout(c: Conversion, payout: Payout, at: number): Conversion {
  let next = c;
  for (const line of payout.lines) {
    if (line.conversionId !== c.id) continue;
    if (line.kind === "commission" && next.payoutId === payout.id) next = { ...next, payoutId: null };
    else if (line.kind === "clawback") next = { ...next, clawedBack: Math.max(0, (next.clawedBack ?? 0) + line.amount) };
  }
  return noted(next, { at, status: next.status, payoutId: payout.id, note: "payout canceled" });
}
