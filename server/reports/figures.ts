import { DAY_MS, utcDay } from "../domain/calendar.js";
import type { Click, Conversion, ConversionStatus, Money } from "../domain/types.js";

// What each click and each conversion adds to the report counters, and how counters read back as
// figures. Pure: the store adds a row's tally when the row is written and takes its old tally
// away when it changes, so a report is the sum of the tallies of the rows, kept as they change,
// and never a scan of the rows themselves.
//
// A counter field names its measure, its mode (test or live) and its currency:
//   clicks                       clicks (clicks have no mode)
//   conv:MODE                    attributed conversions (refunded and reversed ones too)
//   unattr:MODE                  payments that matched no affiliate
//   rev:MODE:CUR                 revenue: the sale less what was refunded; 0 once reversed
//   com:MODE:STATE:CUR           commission by state; `reversed` is what refunds and lost
//                                disputes took back (base − what is still owed)

export type Mode = "live" | "test";

export const COMMISSION_STATES = ["pending", "approved", "paid", "onHold", "reversed"] as const;
export type CommissionState = (typeof COMMISSION_STATES)[number];

/** One row's share of the counters: the UTC day it counts on, the scopes it counts in and what it adds. */
export interface Tally {
  day: string;
  programId: string | null;
  affiliateId: string | null;
  fields: Record<string, number>;
}

export interface CommissionFigures {
  currency: string;
  pending: number;
  approved: number;
  paid: number;
  onHold: number;
  reversed: number;
}

export interface Figures {
  clicks: number;
  conversions: number;
  unattributed: number;
  revenue: Money[];
  commission: CommissionFigures[];
}

/** Every UTC day from `from` to `to` inclusive (YYYY-MM-DD each). */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let at = Date.parse(`${from}T00:00:00Z`), end = Date.parse(`${to}T00:00:00Z`); at <= end; at += DAY_MS) days.push(utcDay(at));
  return days;
}

export const modeOf = (livemode: boolean): Mode => (livemode ? "live" : "test");

export function clickTally(click: Pick<Click, "createdAt" | "programId" | "affiliateId">): Tally {
  return { day: utcDay(click.createdAt), programId: click.programId, affiliateId: click.affiliateId, fields: { clicks: 1 } };
}

// The commission state each conversion status counts in; null for statuses that earn nothing.
const STATE_OF: Record<ConversionStatus | "paid", CommissionState | null> = {
  pending: "pending",
  approved: "approved",
  paid: "paid",
  on_hold: "onHold",
  reversed: null,
  unattributed: null,
  awaiting_payment: null,
};

/** What a conversion, as stored, adds to the counters; null when it adds nothing (not paid yet). */
export function conversionTally(c: Conversion): Tally | null {
  if (c.status === "awaiting_payment") return null;
  const mode = modeOf(c.livemode);
  const day = utcDay(c.createdAt);
  if (c.status === "unattributed" || c.affiliateId === null) {
    return { day, programId: null, affiliateId: null, fields: { [`unattr:${mode}`]: 1 } };
  }
  const reversedAll = c.status === "reversed";
  const owed = reversedAll ? 0 : c.commission.amount;
  const fields: Record<string, number> = { [`conv:${mode}`]: 1 };
  const add = (field: string, by: number) => {
    if (by !== 0) fields[field] = (fields[field] ?? 0) + by;
  };
  add(`rev:${mode}:${c.currency}`, reversedAll ? 0 : c.amount - c.refundedAmount);
  const state = STATE_OF[c.status];
  if (state) add(`com:${mode}:${state}:${c.commission.currency}`, owed);
  add(`com:${mode}:reversed:${c.commission.currency}`, Math.max(0, c.baseCommission.amount - owed));
  return { day, programId: c.programId, affiliateId: c.affiliateId, fields };
}

/** Adds counter hashes (one per day and scope) into figures for one mode, or both when none is given. */
export function readFigures(hashes: Record<string, number>[], mode?: Mode): Figures {
  const figures: Figures = { clicks: 0, conversions: 0, unattributed: 0, revenue: [], commission: [] };
  const revenue = new Map<string, number>();
  const commission = new Map<string, CommissionFigures>();
  for (const hash of hashes) {
    for (const [field, value] of Object.entries(hash)) {
      const [measure, m, a, b] = field.split(":");
      if (measure === "clicks") {
        figures.clicks += value;
        continue;
      }
      if (mode && m !== mode) continue;
      if (measure === "conv") figures.conversions += value;
      else if (measure === "unattr") figures.unattributed += value;
      else if (measure === "rev") revenue.set(a, (revenue.get(a) ?? 0) + value);
      else if (measure === "com" && (COMMISSION_STATES as readonly string[]).includes(a)) {
        let row = commission.get(b);
        if (!row) commission.set(b, (row = { currency: b, pending: 0, approved: 0, paid: 0, onHold: 0, reversed: 0 }));
        row[a as CommissionState] += value;
      }
    }
  }
  // A currency whose figures all came to 0 (every sale in it refunded, say) is left out.
  figures.revenue = [...revenue].filter(([, amount]) => amount !== 0).map(([currency, amount]) => ({ amount, currency })).sort(byCurrency);
  figures.commission = [...commission.values()].filter((c) => COMMISSION_STATES.some((s) => c[s] !== 0)).sort(byCurrency);
  return figures;
}

const byCurrency = (x: { currency: string }, y: { currency: string }) => (x.currency < y.currency ? -1 : x.currency > y.currency ? 1 : 0);

/** The field of a per-affiliate day hash: the affiliate's program and id before the measure. */
export const affiliateField = (programId: string, affiliateId: string, field: string) => `${programId}|${affiliateId}|${field}`;

/** Splits per-affiliate day hashes into one hash list per affiliate, keeping only `programId`'s when given. */
export function splitByAffiliate(hashes: Record<string, number>[], programId?: string): Map<string, { programId: string; hashes: Record<string, number>[] }> {
  const out = new Map<string, { programId: string; hashes: Record<string, number>[] }>();
  for (const hash of hashes) {
    const perDay = new Map<string, Record<string, number>>();
    for (const [field, value] of Object.entries(hash)) {
      const parts = field.split("|");
      if (parts.length !== 3) continue;
      const [p, a, measure] = parts;
      if (programId && p !== programId) continue;
      let row = perDay.get(a);
      if (!row) {
        perDay.set(a, (row = {}));
        let entry = out.get(a);
        if (!entry) out.set(a, (entry = { programId: p, hashes: [] }));
        entry.hashes.push(row);
      }
      row[measure] = value;
    }
  }
  return out;
}
