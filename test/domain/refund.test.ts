import { describe, expect, it } from "vitest";
import { commissionAfterRefund } from "../../server/domain/refund.js";
import type { Money } from "../../server/domain/types.js";

const base: Money = { amount: 3_000, currency: "usd" };

describe("commissionAfterRefund", () => {
  it.each<[string, Money, number, number, number]>([
    ["no refund", base, 10_000, 0, 3_000],
    ["partial: a quarter back", base, 10_000, 2_500, 2_250],
    ["full refund", base, 10_000, 10_000, 0],
    ["over-refund is clamped to the sale", base, 10_000, 12_000, 0],
    ["negative refund is clamped to 0", base, 10_000, -500, 3_000],
    ["sale of 0 keeps the base", base, 0, 0, 3_000],
    ["sale of 0 keeps the base even with a refund", base, 0, 100, 3_000],
    ["half-up: 1 × 1/2 = 0.5 → 1", { amount: 1, currency: "usd" }, 2, 1, 1],
    ["half-up: 3 × 1/3 = 1 exactly", { amount: 3, currency: "usd" }, 3, 2, 1],
    ["half-up: 5 × 2/3 = 3.33 → 3", { amount: 5, currency: "usd" }, 3, 1, 3],
    ["zero-decimal jpy", { amount: 302, currency: "jpy" }, 1_005, 335, 201],
    ["three-decimal kwd", { amount: 3_704, currency: "kwd" }, 12_345, 1, 3_704],
    ["big amounts stay exact", { amount: 2_000_000_000_000, currency: "usd" }, 9_000_000_000_000, 3_000_000_000_000, 1_333_333_333_333],
  ])("%s", (_name, b, sale, refunded, expected) => {
    expect(commissionAfterRefund(b, sale, refunded)).toEqual({ amount: expected, currency: b.currency });
  });

  // Stripe reports amount_refunded as a running total; the handler keeps the largest seen.
  const applyAll = (totals: number[]) => {
    let seen = 0;
    let commission = base;
    for (const total of totals) {
      seen = Math.max(seen, total);
      commission = commissionAfterRefund(base, 10_000, seen);
    }
    return commission;
  };

  it("two partial refunds land on the commission of their cumulative total", () => {
    expect(applyAll([1_000, 3_000])).toEqual(commissionAfterRefund(base, 10_000, 3_000));
    expect(applyAll([1_000, 3_000]).amount).toBe(2_100);
  });

  it("a duplicated refund event changes nothing", () => {
    expect(applyAll([1_000, 1_000])).toEqual(applyAll([1_000]));
  });

  it("refund events out of order give the same result", () => {
    expect(applyAll([3_000, 1_000])).toEqual(applyAll([1_000, 3_000]));
  });

  it("a full refund after partials reaches 0", () => {
    expect(applyAll([1_000, 3_000, 10_000]).amount).toBe(0);
  });

  it.each([
    [{ amount: -1, currency: "usd" }, 100, 0],
    [base, -100, 0],
    [base, 100, 1.5],
    [base, 1.5, 0],
  ])("refuses non-money input %j, %d, %d", (b, sale, refunded) => {
    expect(() => commissionAfterRefund(b, sale, refunded)).toThrow(expect.objectContaining({ code: "invalid_amount" }));
  });
});
