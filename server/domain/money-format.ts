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
