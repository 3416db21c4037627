import { describe, expect, it } from "vitest";
import { approvesAt, conversionStatusAt } from "../../server/domain/status.js";
import type { ConversionStatus } from "../../server/domain/types.js";

const DAY = 24 * 3600 * 1000;
const paidAt = Date.parse("2026-03-01T12:00:00.000Z");

describe("approvesAt", () => {
  it.each([
    [0, paidAt],
    [30, Date.parse("2026-03-31T12:00:00.000Z")],
    [1, paidAt + DAY],
  ])("a hold of %i days ends at %d", (holdDays, expected) => {
    expect(approvesAt(paidAt, holdDays)).toBe(expected);
  });
});

describe("conversionStatusAt", () => {
  const end = approvesAt(paidAt, 30);
  it.each<[ConversionStatus, number, ConversionStatus]>([
    ["pending", -1, "pending"],
    ["pending", 0, "approved"],
    ["pending", DAY, "approved"],
    ["approved", -1, "approved"],
    ["reversed", DAY, "reversed"],
    ["on_hold", DAY, "on_hold"],
    ["unattributed", DAY, "unattributed"],
    ["awaiting_payment", DAY, "awaiting_payment"],
  ])("%s, %i ms after approvesAt, is %s", (status, offset, expected) => {
    expect(conversionStatusAt({ status, approvesAt: end }, end + offset)).toBe(expected);
  });
});
