import { newId } from "./ids.js";
import { approvesAt, commissionAfterRefund, commissionFor } from "./rules.js";
import type { Affiliate, Conversion, MatchedBy, Money, Program, StripeRefs } from "./types.js";

// How a payment becomes a conversion and how it changes afterwards: pure functions, so the money
// rules are tested as tables (test/domain/conversion.test.ts).

/** The Stripe event a conversion came from. */
export interface SaleSource {
  id: string;
  accountId: string | null;
  livemode: boolean;
}

export interface Sale {
  amount: number;
  currency: string;
  paidAt: number;
  email: string | null;
  kind: Conversion["kind"];
  stripe: Omit<StripeRefs, "accountId" | "eventId">;
}

export type Referral =
  | { program: Program; affiliate: Affiliate; clickId: string | null; matchedBy: Exclude<MatchedBy, null>; detail?: string }
  | { reason: string };

/** Builds the conversion for a sale: commission by the program's rule, or unattributed with why. */
export function buildConversion(workspaceId: string, event: SaleSource, sale: Sale, referral: Referral, now: number): Conversion {
  const zero: Money = { amount: 0, currency: sale.currency };
  const unattributed: Conversion = {
    id: newId("cnv", now),
    workspaceId,
    programId: null,
    affiliateId: null,
    clickId: null,
    amount: sale.amount,
    currency: sale.currency,
    baseCommission: zero,
    commission: zero,
    status: "unattributed",
    livemode: event.livemode,
    matchedBy: null,
    matchDetail: null,
    reason: "reason" in referral ? referral.reason : null,
    selfReferral: false,
    refundedAmount: 0,
    customerEmail: sale.email,
    kind: sale.kind,
    stripe: { ...sale.stripe, accountId: event.accountId, eventId: event.id },
    createdAt: now,
    paidAt: sale.paidAt,
    approvesAt: sale.paidAt,
  };
  return "reason" in referral ? unattributed : attribute(unattributed, referral);
}

/** Gives a conversion to an affiliate: commission by the rule, unless it is a self-referral. */
export function attribute(c: Conversion, r: Exclude<Referral, { reason: string }>): Conversion {
  const selfReferral = c.customerEmail !== null && c.customerEmail === r.affiliate.email.toLowerCase();
  const earned = selfReferral && !r.program.allowSelfReferral ? { amount: 0, currency: c.currency } : commissionFor(r.program.commission, { amount: c.amount, currency: c.currency });
  const attributed: Conversion = {
    ...c,
    programId: r.program.id,
    affiliateId: r.affiliate.id,
    clickId: r.clickId,
    matchedBy: r.matchedBy,
    matchDetail: r.detail ?? null,
    reason: null,
    selfReferral,
    baseCommission: earned,
    commission: earned,
    status: c.status === "reversed" || c.status === "on_hold" ? c.status : "pending",
    approvesAt: approvesAt(c.paidAt, r.program.holdDays),
  };
  return withRefund(attributed, attributed.refundedAmount, attributed.amount);
}

/**
 * Applies a cumulative refund. Only the largest amount seen counts, so repeated, duplicated and
 * out-of-order refund events all land on the same commission.
 */
export function withRefund(c: Conversion, amountRefunded: number, chargeAmount: number): Conversion {
  const refunded = Math.max(c.refundedAmount, Math.min(amountRefunded, chargeAmount));
  const commission = commissionAfterRefund(c.baseCommission, chargeAmount, refunded);
  const fullyRefunded = chargeAmount > 0 && refunded >= chargeAmount;
  const status = fullyRefunded && c.status !== "unattributed" ? "reversed" : c.status;
  return { ...c, refundedAmount: refunded, commission, status };
}

