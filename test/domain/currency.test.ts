import { describe, expect, it } from "vitest";
import { currencyDecimals, normalizeCurrency } from "../../server/domain/currency.js";

describe("currencyDecimals", () => {
  it.each([
    ...["bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"].map((c) => [c, 0] as const),
    ...["bhd", "jod", "kwd", "omr", "tnd"].map((c) => [c, 3] as const),
    ["usd", 2],
    ["eur", 2],
    ["gbp", 2],
    // Stripe's special cases: two decimals in API amounts although ISO 4217 says 0.
    ["isk", 2],
    ["huf", 2],
    ["twd", 2],
    ["JPY", 0],
    [" kwd ", 3],
  ] as const)("%s has %i decimals", (currency, decimals) => {
    expect(currencyDecimals(currency)).toBe(decimals);
  });

  it.each(["", "us", "usdd", "u$d", "12a"])("refuses %j with invalid_currency", (currency) => {
    expect(() => currencyDecimals(currency)).toThrow(expect.objectContaining({ code: "invalid_currency" }));
  });

  it("normalises to three lowercase letters", () => {
    expect(normalizeCurrency(" EUR")).toBe("eur");
  });
});
