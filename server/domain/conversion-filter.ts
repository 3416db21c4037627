import { conversionStatusAt } from "./status.js";
import type { Conversion, ConversionStatus } from "./types.js";

// Which conversions a list, its CSV export and the Conversions tab select, and what they add up
// to. Pure, so both stores (and the tests) read the same rule: the store narrows by the indexes
// it has (program, affiliate, createdAt range) and this decides the rest, row by row.

export interface ConversionFilter {
  programId?: string;
  affiliateId?: string;
  /** the status as of `now` (a pending commission turns approved once its hold has passed) */
  status?: ConversionStatus;
  livemode?: boolean;
  /** part of the customer's email, any case ("@example.com" finds a whole domain) */
  customerEmail?: string;
  /** createdAt bounds, inclusive, epoch ms (when Icodrip recorded it, as the reports count days) */
  from?: number;
  to?: number;
}

export function matchesConversion(c: Conversion, f: ConversionFilter, now: number): boolean {
  if (f.programId !== undefined && c.programId !== f.programId) return false;
  if (f.affiliateId !== undefined && c.affiliateId !== f.affiliateId) return false;
  if (f.livemode !== undefined && c.livemode !== f.livemode) return false;
  if (f.from !== undefined && c.createdAt < f.from) return false;
  if (f.to !== undefined && c.createdAt > f.to) return false;
  if (f.customerEmail !== undefined) {
    const wanted = f.customerEmail.trim().toLowerCase();
    if (wanted !== "" && !(c.customerEmail ?? "").toLowerCase().includes(wanted)) return false;
  }
  if (f.status !== undefined && conversionStatusAt(c, now) !== f.status) return false;
  return true;
}

/** One currency's figures over a set of conversions; all amounts in that currency's minor unit. */
export interface CurrencyTotal {
  currency: string;
  /** conversions whose sale is in this currency */
  count: number;
  /** what those sales charged, before refunds */
  revenue: number;
  refunded: number;
  /** commission owed after refunds, in this currency (a fixed commission may be in another currency than its sale) */
  commission: number;
}

/**
 * Adds conversions up per currency, as the table shows them: the sale and its refunds under the
 * sale's currency, the commission (after refunds; none for an unattributed payment) under its
 * own. Currencies in alphabetical order, so the row order does not depend on the data's.
 */
export function conversionTotals(rows: Iterable<Conversion>): CurrencyTotal[] {
  const by = new Map<string, CurrencyTotal>();
  const of = (currency: string): CurrencyTotal => {
    let t = by.get(currency);
    if (!t) by.set(currency, (t = { currency, count: 0, revenue: 0, refunded: 0, commission: 0 }));
    return t;
  };
  for (const c of rows) {
    const sale = of(c.currency);
    sale.count += 1;
    sale.revenue += c.amount;
    sale.refunded += c.refundedAmount;
    if (c.affiliateId) of(c.commission.currency).commission += c.commission.amount;
  }
  return [...by.values()].sort((a, b) => a.currency.localeCompare(b.currency));
}
