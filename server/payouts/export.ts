import type { Affiliate, Payout } from "../domain/types.js";
import { majorUnits, type Cell } from "../http/csv.js";

// Payout files a merchant uploads to pay a batch of affiliates. Amounts are in major units at the
// currency's decimals (49.00 USD, 500 JPY), never minor units. Pure: rows from payouts and their
// affiliates; the route writes them as CSV.

export const PAYOUT_FORMATS = ["generic", "paypal", "wise"] as const;
export type PayoutFormat = (typeof PAYOUT_FORMATS)[number];

export interface PayoutFile {
  /** the header row; PayPal's file has none */
  header: string[] | null;
  rows: Cell[][];
  /** payouts left out because the affiliate is not paid by this file's method */
  leftOut: number;
}

const note = (p: Payout) => `Affiliate commission, payout ${p.id}`;

/**
 * PayPal Payouts Web (developer.paypal.com/docs/payouts/standard/payouts-web, and "Use Web UI"
 * under /payouts/use-payouts/send-money): no header row; per row the recipient (email), the
 * amount, the three-letter currency, an optional unique id of the item, an optional note to the
 * recipient and the wallet (PAYPAL). One currency per file, so the route asks for one.
 */
function paypal(payouts: Payout[]): PayoutFile {
  const rows: Cell[][] = [];
  for (const p of payouts) {
    if (p.method?.type !== "paypal") continue;
    rows.push([p.method.email, majorUnits(p.amount, p.currency), p.currency.toUpperCase(), p.id, note(p), "PAYPAL"]);
  }
  return { header: null, rows, leftOut: payouts.length - rows.length };
}

/**
 * Wise batch payments, "Send by email" template (wise.com/help/articles/2663296 and 2663302): a
 * header row of Wise's column names; the recipient's name and email, a payment reference, the
 * receiver type, which side the amount is fixed in (target: the affiliate gets the exact amount),
 * the amount, and the source and target currencies. Wise asks the recipient for bank details.
 */
function wise(payouts: Payout[], affiliates: Map<string, Affiliate>): PayoutFile {
  const header = ["name", "recipientEmail", "paymentReference", "receiverType", "amountCurrency", "amount", "sourceCurrency", "targetCurrency"];
  const rows: Cell[][] = [];
  for (const p of payouts) {
    if (p.method?.type !== "wise") continue;
    const currency = p.currency.toUpperCase();
    // Wise caps the reference's length; the payout id fits and identifies the payout.
    rows.push([affiliates.get(p.affiliateId)?.name ?? p.affiliateId, p.method.email, p.id, "PRIVATE", "target", majorUnits(p.amount, p.currency), currency, currency]);
  }
  return { header, rows, leftOut: payouts.length - rows.length };
}

/** The generic file's columns. */
export const GENERIC_PAYOUT_COLUMNS = ["payout_id", "status", "livemode", "program_id", "affiliate_id", "affiliate_name", "affiliate_email", "currency", "amount", "commissions", "clawbacks", "method", "method_email", "method_details", "reference", "created_at", "paid_at"] as const;

/** Every payout with who it pays, how, and its state: for any other way of paying, or for the books. */
function generic(payouts: Payout[], affiliates: Map<string, Affiliate>): PayoutFile {
  const header = [...GENERIC_PAYOUT_COLUMNS];
  const rows = payouts.map((p): Cell[] => {
    const a = affiliates.get(p.affiliateId);
    const method = p.method;
    return [
      p.id, p.status, p.livemode, p.programId, p.affiliateId, a?.name ?? null, a?.email ?? null, p.currency.toUpperCase(), majorUnits(p.amount, p.currency),
      p.lines.filter((l) => l.kind === "commission").length, p.lines.filter((l) => l.kind === "clawback").length,
      method?.type ?? null, method && method.type !== "bank" ? method.email : null, method?.type === "bank" ? method.details : null,
      p.reference, new Date(p.createdAt).toISOString(), p.paidAt ? new Date(p.paidAt).toISOString() : null,
    ];
  });
  return { header, rows, leftOut: 0 };
}

export function payoutFile(format: PayoutFormat, payouts: Payout[], affiliates: Map<string, Affiliate>): PayoutFile {
  if (format === "paypal") return paypal(payouts);
  if (format === "wise") return wise(payouts, affiliates);
  return generic(payouts, affiliates);
}
