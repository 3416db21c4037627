import { MoneyError, requireMinorUnits } from "./money-error.js";
import { mulDivHalfUp } from "./rounding.js";

// A percent with up to 4 decimals (12.5, 7.25, 33.3333) is a whole number of ten-thousandths of
// a percent, so it becomes an integer and the arithmetic stays exact; 12.5 % of 101 is 12.625
// and rounds to 13, where doubles could land on 12.624999… and round down.
const STEPS_PER_PERCENT = 10_000;

// percent × 10 000 of a true 4-decimal percent is within a few ulps of an integer; a fifth
// decimal shows up as at least 0.1 away.
const TOLERANCE = 1e-6;

/** `percent` % of `amount` minor units, rounded half up to a whole minor unit. */
export function percentOf(amount: number, percent: number): number {
  requireMinorUnits(amount, "The amount");
  const steps = Math.round(percent * STEPS_PER_PERCENT);
  if (!Number.isFinite(percent) || percent < 0 || percent > 100 || Math.abs(percent * STEPS_PER_PERCENT - steps) > TOLERANCE) {
    throw new MoneyError("invalid_percent", `A percent must be between 0 and 100 with at most 4 decimals, like 30 or 12.5; got ${String(percent)}.`);
  }
  return mulDivHalfUp(amount, steps, 100 * STEPS_PER_PERCENT);
}
