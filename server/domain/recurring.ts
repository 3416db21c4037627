import { addUtcMonths } from "./calendar.js";
import { MoneyError, requireTime } from "./money-error.js";
import type { RecurringRule } from "./types.js";

/**
 * Whether a renewal paid at `paidAt` still earns commission for a subscription first paid at
 * `firstPaidAt`.
 *
 * "months N" is a half-open window [firstPaidAt, firstPaidAt + N calendar months): the renewal
 * paid exactly N months after the first payment is outside, so a monthly plan earns on N
 * payments (the first and N − 1 renewals), not N + 1. Months are counted in UTC with month-end
 * clamping (see addUtcMonths).
 */
export function renewalAllowed(rule: RecurringRule, firstPaidAt: number, paidAt: number): boolean {
  requireTime(firstPaidAt, "The first payment time");
  requireTime(paidAt, "The payment time");
  switch (rule.type) {
    case "once":
      return false;
    case "lifetime":
      return true;
    case "months":
      if (!Number.isSafeInteger(rule.months) || rule.months < 0) {
        throw new MoneyError("invalid_months", `A recurring commission lasts a whole number of months, 0 or more; got ${String(rule.months)}.`);
      }
      return paidAt < addUtcMonths(firstPaidAt, rule.months);
    default:
      throw new MoneyError("invalid_rule", `Unknown recurring type "${String((rule as { type?: unknown }).type)}"; use once, months or lifetime.`);
  }
}
