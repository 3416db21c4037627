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
  try {
    return new Intl.NumberFormat("en-US", {
      style: "currency",
      currency: currency.toUpperCase(),
      minimumFractionDigits: decimals,
      maximumFractionDigits: decimals,
    }).format(major);
  } catch {
    return `${major.toFixed(decimals)} ${currency.toUpperCase()}`;
  }
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
