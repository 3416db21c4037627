import { currencyDecimals } from "./currency.js";

// Money as a person reads it, in the dashboard and in the sentences of the webhook log. Amounts
// arrive in the currency's minor unit as Stripe counts it (¥500 is 500, $5.00 is 500), so the
// decimals come from Stripe's table, not Intl's.

/** 12345 usd → "$123.45"; 500 jpy → "¥500"; 1234 kwd → "KWD 1.234". */
export function formatMoney(amount: number, currency: string): string {
  let decimals: number;
  try {
    decimals = currencyDecimals(currency);
  } catch {
    // A code Icodrip would never store; show the raw number rather than fail the whole page.
    return `${amount} ${currency}`;
  }
  const major = amount / 10 ** decimals;
  const format = formatter(currency.toUpperCase(), decimals);
  return format ? format.format(major) : `${major.toFixed(decimals)} ${currency.toUpperCase()}`;
}

// Building an Intl.NumberFormat costs far more than formatting with one (it was most of a webhook
// delivery's own work), so one is kept per currency; null where Intl knows no such currency.
// Bounded by the codes normalizeCurrency accepts that reach here; cleared if it ever grows past 1,000.
const formatters = new Map<string, Intl.NumberFormat | null>();

function formatter(code: string, decimals: number): Intl.NumberFormat | null {
  const known = formatters.get(code);
  if (known !== undefined) return known;
  let made: Intl.NumberFormat | null;
  try {
    made = new Intl.NumberFormat("en-US", { style: "currency", currency: code, minimumFractionDigits: decimals, maximumFractionDigits: decimals });
  } catch {
    made = null;
  }
  if (formatters.size >= 1_000) formatters.clear();
  formatters.set(code, made);
  return made;
}

const KNOWN = new Set(Intl.supportedValuesOf("currency").map((c) => c.toLowerCase()));

/**
 * A sentence with amounts written as a person reads them. The webhook log's sentences use
 * formatMoney since it was added; ones stored before wrote raw minor units ("4900 usd"), so the
 * Webhooks tab passes each through this: a whole number followed by a lowercase currency code
 * (as Icodrip writes them) becomes "$49.00". A number inside an id (pi_123) is left alone.
 */
export function readableAmounts(sentence: string): string {
  return sentence.replace(/(?<![\w.$])(-?\d+) ([a-z]{3})(?![\w])/g, (whole, digits: string, code: string) =>
    KNOWN.has(code) ? formatMoney(Number(digits), code) : whole,
  );
}
