import { MoneyError, requireTime } from "./money-error.js";

/** One day in milliseconds: every UTC day is this long (Unix time has no leap seconds). */
export const DAY_MS = 24 * 3600 * 1000;

// The last day utcDay made, kept: every click and every report counter asks for the day it
// counts on, nearly always the one the call before asked for, and toISOString was about 5 % of
// building a click's writes.
let lastDay = { number: NaN, day: "" };

/** The UTC day of an instant, as YYYY-MM-DD. */
export function utcDay(at: number): string {
  const number = Math.floor(at / DAY_MS);
  // NaN never equals itself, so a time that is no time still throws, from toISOString, as before.
  if (number !== lastDay.number) lastDay = { number, day: new Date(at).toISOString().slice(0, 10) };
  return lastDay.day;
}

const daysInUtcMonth = (year: number, month: number) => new Date(Date.UTC(year, month + 1, 0)).getUTCDate();

/**
 * `at` moved `months` calendar months later in UTC, same time of day. A day the target month
 * lacks falls back to its last day: Jan 31 + 1 month is Feb 28 (29 in a leap year), as Stripe
 * bills a subscription anchored on the 31st. Each call counts from `at`, never from an earlier
 * result, so Jan 31 + 2 months is Mar 31, not Mar 28.
 */
export function addUtcMonths(at: number, months: number): number {
  requireTime(at, "The start");
  if (!Number.isSafeInteger(months)) throw new MoneyError("invalid_months", `A number of months must be a whole number; got ${String(months)}.`);
  const d = new Date(at);
  const total = d.getUTCFullYear() * 12 + d.getUTCMonth() + months;
  const year = Math.floor(total / 12);
  const month = total - year * 12;
  const day = Math.min(d.getUTCDate(), daysInUtcMonth(year, month));
  return Date.UTC(year, month, day, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
}
