import { IcodripError } from "./errors.js";

// Money arrives from Stripe and from program settings; a value that cannot be money is a bug or
// bad input upstream, and computing on it would quietly pay the wrong commission. So the money
// functions refuse it with a code a program can switch on and a sentence that says what to fix.

export type MoneyErrorCode =
  | "invalid_amount"
  | "amount_too_large"
  | "invalid_percent"
  | "invalid_currency"
  | "invalid_rule"
  | "invalid_months"
  | "invalid_time";

export class MoneyError extends IcodripError {
  constructor(
    readonly code: MoneyErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "MoneyError";
  }
}

/** Amounts are whole minor units (cents, yen, fils), never negative. */
export function requireMinorUnits(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new MoneyError("invalid_amount", `${what} must be a whole number of minor units, 0 or more (like 1999 for 19.99 usd); got ${String(value)}.`);
  }
  return value;
}

/** Epoch milliseconds; NaN would make every comparison false and hide the mistake. */
export function requireTime(value: number, what: string): number {
  if (!Number.isFinite(value)) {
    throw new MoneyError("invalid_time", `${what} must be a time in epoch milliseconds; got ${String(value)}.`);
  }
  return value;
}
