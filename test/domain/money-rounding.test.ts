import { describe, expect, it } from "vitest";
import { MoneyError } from "../../server/domain/money-error.js";
import { percentOf } from "../../server/domain/percent.js";
import { mulDivHalfUp } from "../../server/domain/rounding.js";

describe("percentOf", () => {
  it.each([
    // [amount, percent, expected, why]
    [10_000, 30, 3_000, "exact"],
    [1, 50, 1, "half of one minor unit rounds up"],
    [1, 49.9999, 0, "just under half rounds down"],
    [1, 30, 0, "0.3 of a unit rounds down"],
    [1, 100, 1, "all of one unit"],
    [0, 30, 0, "nothing"],
    [5, 10, 1, "0.5 rounds up"],
    [15, 10, 2, "1.5 rounds up, not to even"],
    [25, 10, 3, "2.5 rounds up, not to even"],
    [101, 12.5, 13, "12.625: fractional percent, exact"],
    [100, 12.5, 13, "12.5 rounds up"],
    [1_005, 30, 302, "301.5 rounds up"],
    [3, 33.3333, 1, "0.999999 rounds to 1"],
    [999, 0.0001, 0, "smallest step of a percent"],
    [5_000, 0.0001, 0, "0.005 rounds down"],
    [5_000_000, 0.0001, 5, "0.0001 % of 5 000 000"],
    [29, 1.15, 0, "0.3335"],
    [1_000, 1.15, 12, "11.5 rounds up (1.15 is not exact as a double)"],
    [1_000, 2.675, 27, "26.75 rounds up (2.675 is 2.67499… as a double)"],
    [1_000, 0.1 + 0.2, 3, "0.30000000000000004 is read as 0.3"],
    [Number.MAX_SAFE_INTEGER, 100, Number.MAX_SAFE_INTEGER, "largest safe amount, all of it"],
    [Number.MAX_SAFE_INTEGER, 50, 4_503_599_627_370_496, "half of 2^53 − 1 rounds up"],
    [999_999_999_999, 12.3456, 123_456_000_000, "123 455 999 999.876544 rounds up"],
    [9_007_199_254_740_991, 12.3456, 1_111_992_791_193_304, "largest safe amount: …303.784896 rounds up, exact past 2^53 in the product"],
  ])("%i at %s percent is %i (%s)", (amount, percent, expected) => {
    expect(percentOf(amount, percent)).toBe(expected);
  });

  it.each([
    [100, -1, "invalid_percent"],
    [100, 100.5, "invalid_percent"],
    [100, 12.34567, "invalid_percent"],
    [100, Number.NaN, "invalid_percent"],
    [100, Number.POSITIVE_INFINITY, "invalid_percent"],
    [-1, 10, "invalid_amount"],
    [1.5, 10, "invalid_amount"],
    [Number.MAX_SAFE_INTEGER + 1, 10, "invalid_amount"],
  ])("refuses amount %d at %d %% with %s", (amount, percent, code) => {
    const error = (() => {
      try {
        percentOf(amount, percent);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(MoneyError);
    expect((error as MoneyError).code).toBe(code);
    expect((error as MoneyError).message).toMatch(/\.$/);
  });
});

describe("mulDivHalfUp", () => {
  it.each([
    [7, 1, 2, 4],
    [5, 1, 2, 3],
    [4, 1, 3, 1],
    [5, 1, 3, 2],
    [0, 5, 7, 0],
    [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  ])("%i × %i ÷ %i = %i", (v, n, d, expected) => {
    expect(mulDivHalfUp(v, n, d)).toBe(expected);
  });

  it("refuses a result it cannot hold exactly and a zero divisor", () => {
    expect(() => mulDivHalfUp(Number.MAX_SAFE_INTEGER, 2, 1)).toThrow(expect.objectContaining({ code: "amount_too_large" }));
    expect(() => mulDivHalfUp(1, 1, 0)).toThrow(expect.objectContaining({ code: "invalid_amount" }));
  });
});
