import { MoneyError } from "./money-error.js";

// How many decimals a currency's minor unit has, as Stripe counts them in API amounts. This is
// Stripe's table, not ISO 4217's: Stripe sends isk, huf and twd with two decimals (ISO says 0)
// and ugx with none (ISO says 2). Every currency not listed has two.
const DECIMALS: ReadonlyMap<string, number> = new Map([
  ...["bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"].map((c) => [c, 0] as const),
  ...["bhd", "jod", "kwd", "omr", "tnd"].map((c) => [c, 3] as const),
]);

/** A currency code as Icodrip stores it: three lowercase letters. */
export function normalizeCurrency(currency: string): string {
  const code = typeof currency === "string" ? currency.trim().toLowerCase() : "";
  if (!/^[a-z]{3}$/.test(code)) {
    throw new MoneyError("invalid_currency", `"${currency}" is not a currency code; use a three-letter ISO 4217 code such as usd, eur or jpy.`);
  }
  return code;
}

/** Decimals of the currency's minor unit: 0 for jpy, 3 for kwd, 2 for usd. */
export function currencyDecimals(currency: string): number {
  return DECIMALS.get(normalizeCurrency(currency)) ?? 2;
}
