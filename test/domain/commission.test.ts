import { describe, expect, it } from "vitest";
import { commissionFor } from "../../server/domain/commission.js";
import type { CommissionRule, Money } from "../../server/domain/types.js";

const percent = (p: number): CommissionRule => ({ type: "percent", percent: p });
const fixed = (amount: number, currency: string): CommissionRule => ({ type: "fixed", amount, currency });

describe("commissionFor", () => {
  it.each<[string, CommissionRule, Money, Money]>([
    ["30 % of 100.00 usd", percent(30), { amount: 10_000, currency: "usd" }, { amount: 3_000, currency: "usd" }],
    ["30 % of 1 005 jpy (zero-decimal) rounds 301.5 up", percent(30), { amount: 1_005, currency: "jpy" }, { amount: 302, currency: "jpy" }],
    ["12.5 % of 9 999 krw (zero-decimal)", percent(12.5), { amount: 9_999, currency: "krw" }, { amount: 1_250, currency: "krw" }],
    ["30 % of 12.345 kwd (three-decimal)", percent(30), { amount: 12_345, currency: "kwd" }, { amount: 3_704, currency: "kwd" }],
    ["7.5 % of 1.001 bhd (three-decimal)", percent(7.5), { amount: 1_001, currency: "bhd" }, { amount: 75, currency: "bhd" }],
    ["0 % earns nothing", percent(0), { amount: 10_000, currency: "usd" }, { amount: 0, currency: "usd" }],
    ["percent of a sale in uppercase currency is stored lowercase", percent(10), { amount: 1_000, currency: "EUR" }, { amount: 100, currency: "eur" }],
    ["fixed 5.00 usd whatever the sale", fixed(500, "usd"), { amount: 100_000, currency: "usd" }, { amount: 500, currency: "usd" }],
    ["fixed is paid in the rule's currency, not the sale's", fixed(500, "eur"), { amount: 10_000, currency: "jpy" }, { amount: 500, currency: "eur" }],
    ["fixed even on a sale of 0", fixed(500, "usd"), { amount: 0, currency: "usd" }, { amount: 500, currency: "usd" }],
  ])("%s", (_name, rule, sale, expected) => {
    expect(commissionFor(rule, sale)).toEqual(expected);
  });

  it.each<[string, CommissionRule, Money, string]>([
    ["negative fixed amount", fixed(-1, "usd"), { amount: 100, currency: "usd" }, "invalid_amount"],
    ["fixed amount in a non-currency", fixed(100, "dollars"), { amount: 100, currency: "usd" }, "invalid_currency"],
    ["percent above 100", percent(150), { amount: 100, currency: "usd" }, "invalid_percent"],
    ["fractional sale amount", percent(10), { amount: 10.5, currency: "usd" }, "invalid_amount"],
    ["unknown rule type", { type: "tiered" } as unknown as CommissionRule, { amount: 100, currency: "usd" }, "invalid_rule"],
  ])("refuses %s", (_name, rule, sale, code) => {
    expect(() => commissionFor(rule, sale)).toThrow(expect.objectContaining({ code }));
  });
});
