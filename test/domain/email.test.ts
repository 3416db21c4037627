import { describe, expect, it } from "vitest";
import { normalizeEmail } from "../../server/domain/email.js";

describe("normalizeEmail", () => {
  it.each<[string | null | undefined, string | null]>([
    ["Buyer@Example.COM", "buyer@example.com"],
    ["  buyer@example.com \n", "buyer@example.com"],
    ["first.last+tag@sub.example.co.uk", "first.last+tag@sub.example.co.uk"],
    ["", null],
    ["   ", null],
    [null, null],
    [undefined, null],
    ["no-at-sign.example.com", null],
    ["two@@example.com", null],
    ["buyer@localhost", null],
    ["buy er@example.com", null],
    [`${"a".repeat(320)}@example.com`, null],
  ])("%j → %j", (input, expected) => {
    expect(normalizeEmail(input)).toBe(expected);
  });
});
