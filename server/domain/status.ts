import type { ConversionStatus } from "./types.js";
import { DAY_MS } from "./calendar.js";

export function approvesAt(paidAt: number, holdDays: number): number {
  return paidAt + holdDays * DAY_MS;
}

/** A pending commission is approved once its hold has passed; the answer is computed on read, so both stores agree. */
export function conversionStatusAt(c: { status: ConversionStatus; approvesAt: number }, now: number): ConversionStatus {
  return c.status === "pending" && now >= c.approvesAt ? "approved" : c.status;
}
