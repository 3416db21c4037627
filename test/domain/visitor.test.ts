import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { utcDay } from "../../server/domain/calendar.js";
import { ipHash, visitorFingerprint } from "../../server/domain/visitor.js";

const MIDNIGHT = Date.UTC(2026, 11, 7); // 2026-12-07T00:00:00Z

describe("utcDay", () => {
  // In this order on purpose: utcDay keeps the last day it made, so each row also checks that a
  // different day after it (before, after, far away, the same again) is not answered from it.
  it.each([
    [MIDNIGHT, "2026-12-07"],
    [MIDNIGHT + 86_399_999, "2026-12-07"],
    [MIDNIGHT - 1, "2026-12-06"],
    [MIDNIGHT + 86_400_000, "2026-12-08"],
    [MIDNIGHT, "2026-12-07"],
    [Date.UTC(2024, 1, 29, 12), "2024-02-29"],
    [0, "1970-01-01"],
    [-1, "1969-12-31"],
    [MIDNIGHT + 0.5, "2026-12-07"],
  ])("%s is %s", (at, day) => {
    expect(utcDay(at)).toBe(day);
  });

  it("refuses a time that is no time, whatever it answered before", () => {
    utcDay(MIDNIGHT);
    expect(() => utcDay(Number.NaN)).toThrow(RangeError);
    expect(utcDay(MIDNIGHT)).toBe("2026-12-07");
  });
});

describe("visitor hashes", () => {
  const reference = (text: string) => createHash("sha256").update(text).digest("base64url").slice(0, 22);

  it("hashes the address with the secret and the UTC day, never keeping the address", () => {
    const hashed = ipHash("203.0.113.7", "s3cret", MIDNIGHT + 3_600_000);
    expect(hashed).toBe(reference("s3cret|2026-12-07|203.0.113.7"));
    expect(hashed).toHaveLength(22);
    expect(hashed).not.toContain("203.0.113.7");
    // Same day, same hash; the next UTC day, another one, so days cannot be joined.
    expect(ipHash("203.0.113.7", "s3cret", MIDNIGHT + 86_399_999)).toBe(hashed);
    expect(ipHash("203.0.113.7", "s3cret", MIDNIGHT + 86_400_000)).not.toBe(hashed);
    expect(ipHash("203.0.113.7", "other", MIDNIGHT)).not.toBe(hashed);
  });

  it("fingerprints program, affiliate, address hash and browser together", () => {
    const parts = { programId: "prg_1", affiliateId: "aff_1", ipHash: "h", userAgent: "Mozilla/5.0" };
    expect(visitorFingerprint(parts)).toBe(reference("prg_1|aff_1|h|Mozilla/5.0"));
    expect(visitorFingerprint({ ...parts, userAgent: null })).toBe(reference("prg_1|aff_1|h|"));
    expect(visitorFingerprint({ ...parts, affiliateId: "aff_2" })).not.toBe(visitorFingerprint(parts));
  });
});
