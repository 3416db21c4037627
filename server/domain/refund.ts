import { MoneyError, requireMinorUnits } from "./money-error.js";
import { mulDivHalfUp } from "./rounding.js";
import type { Money } from "./types.js";

/**
 * The commission still owed after `refundedAmount` of a `saleAmount` sale went back:
 * base × (1 − refunded ÷ sale), rounded half up.
 *
 * It takes the cumulative refund (Stripe's Charge.amount_refunded), never a delta, so the
 * answer depends on the total alone: a repeated, duplicated or out-of-order refund event
 * recomputes the same number instead of subtracting twice. Refunds outside [0, sale] are
 * clamped, and a sale of 0 has nothing to refund in proportion to, so its commission stands.
 */
export function commissionAfterRefund(base: Money, saleAmount: number, refundedAmount: number): Money {
  requireMinorUnits(base.amount, "The commission");
  requireMinorUnits(saleAmount, "The sale amount");
  if (!Number.isSafeInteger(refundedAmount)) {
    throw new MoneyError("invalid_amount", `The refunded amount must be a whole number of minor units; got ${String(refundedAmount)}.`);
  }
  if (saleAmount === 0) return { amount: base.amount, currency: base.currency };
  const refunded = Math.min(Math.max(refundedAmount, 0), saleAmount);
  return { amount: mulDivHalfUp(base.amount, saleAmount - refunded, saleAmount), currency: base.currency };
}
