import { describe, expect, it } from "vitest";
import { addUtcMonths } from "../../server/domain/calendar.js";
import { renewalAllowed } from "../../server/domain/recurring.js";
import type { RecurringRule } from "../../server/domain/types.js";

const t = (iso: string) => Date.parse(iso);

describe("addUtcMonths", () => {
  it.each([
    ["2026-01-15T10:00:00.000Z", 1, "2026-02-15T10:00:00.000Z"],
    ["2026-01-31T10:00:00.000Z", 1, "2026-02-28T10:00:00.000Z"],
    ["2028-01-31T10:00:00.000Z", 1, "2028-02-29T10:00:00.000Z"],
    ["2026-01-31T10:00:00.000Z", 2, "2026-03-31T10:00:00.000Z"],
    ["2026-03-31T23:59:59.999Z", 1, "2026-04-30T23:59:59.999Z"],
    ["2026-08-31T00:00:00.000Z", 6, "2027-02-28T00:00:00.000Z"],
    ["2026-11-30T12:00:00.000Z", 3, "2027-02-28T12:00:00.000Z"],
    ["2026-05-10T00:00:00.000Z", 12, "2027-05-10T00:00:00.000Z"],
    ["2028-02-29T00:00:00.000Z", 12, "2029-02-28T00:00:00.000Z"],
    ["2026-05-10T00:00:00.000Z", 0, "2026-05-10T00:00:00.000Z"],
    ["2026-03-31T00:00:00.000Z", -1, "2026-02-28T00:00:00.000Z"],
  ])("%s + %i months = %s", (from, months, to) => {
    expect(new Date(addUtcMonths(t(from), months)).toISOString()).toBe(to);
  });
});

describe("renewalAllowed", () => {
  const first = t("2026-01-31T10:00:00.000Z");
  const months = (n: number): RecurringRule => ({ type: "months", months: n });

  it.each<[string, RecurringRule, string, boolean]>([
    ["once: no renewal earns", { type: "once" }, "2026-02-28T10:00:00.000Z", false],
    ["once: not even a minute later", { type: "once" }, "2026-01-31T10:01:00.000Z", false],
    ["lifetime: ten years later", { type: "lifetime" }, "2036-01-31T10:00:00.000Z", true],
    ["1 month: a millisecond before the end (Feb 28, month-end clamped)", months(1), "2026-02-28T09:59:59.999Z", true],
    ["1 month: exactly at the end is outside", months(1), "2026-02-28T10:00:00.000Z", false],
    ["1 month: Mar 3 (what Date overflow would give) is outside", months(1), "2026-03-03T09:00:00.000Z", false],
    ["2 months: Mar 30 is inside (end is Mar 31, not Mar 28)", months(2), "2026-03-30T10:00:00.000Z", true],
    ["2 months: Mar 31 10:00 is outside", months(2), "2026-03-31T10:00:00.000Z", false],
    ["12 months: the 12th monthly renewal's eve is inside", months(12), "2027-01-31T09:59:59.999Z", true],
    ["12 months: exactly a year later is outside", months(12), "2027-01-31T10:00:00.000Z", false],
    ["0 months: nothing after the first payment", months(0), "2026-01-31T10:00:00.001Z", false],
  ])("%s", (_name, rule, paidAt, expected) => {
    expect(renewalAllowed(rule, first, t(paidAt))).toBe(expected);
  });

  it("a monthly plan with months 12 earns on 12 payments", () => {
    const start = t("2026-01-31T10:00:00.000Z");
    // Stripe bills a subscription anchored on the 31st on each month's last day when shorter.
    const payments = Array.from({ length: 24 }, (_, i) => addUtcMonths(start, i));
    expect(payments.filter((p) => renewalAllowed(months(12), start, p))).toHaveLength(12);
  });

  it.each<[RecurringRule, number, number, string]>([
    [months(-1), first, first, "invalid_months"],
    [months(1.5), first, first, "invalid_months"],
    [{ type: "weekly" } as unknown as RecurringRule, first, first, "invalid_rule"],
    [months(1), Number.NaN, first, "invalid_time"],
    [months(1), first, Number.NaN, "invalid_time"],
  ])("refuses %j (%d → %d) with %s", (rule, a, b, code) => {
    expect(() => renewalAllowed(rule, a, b)).toThrow(expect.objectContaining({ code }));
  });
});
