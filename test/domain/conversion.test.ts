import { describe, expect, it } from "vitest";
import { attribute, buildConversion, withRefund, type Sale } from "../../server/domain/conversion.js";
import { affiliate as makeAffiliate, program as makeProgram } from "../support/records.js";

const DAY = 24 * 3600 * 1000;
// The rule under test is spelled out; the rest are the test records' defaults.
const program = makeProgram("ws_1", { id: "prg_1", commission: { type: "percent", percent: 30 }, holdDays: 30, allowSelfReferral: false });
const affiliate = makeAffiliate(program, "ann", { id: "aff_1", email: "Ann@Example.com" });
const source = { id: "evt_1", accountId: "acct_1", livemode: false };
const sale = (o: Partial<Sale> = {}): Sale => ({
  amount: 10_000,
  currency: "usd",
  paidAt: 1_000 * DAY,
  email: "buyer@example.com",
  kind: "one_time",
  stripe: { checkoutSessionId: "cs_1", paymentIntentId: "pi_1", invoiceId: null, chargeId: null, customerId: null, subscriptionId: null },
  ...o,
});
const referral = { program, affiliate, clickId: "icd_1", matchedBy: "client_reference_id" as const };

describe("buildConversion", () => {
  it.each([
    ["percent of a usd sale", program, sale(), 3_000, "usd"],
    ["percent of a zero-decimal jpy sale, half up", program, sale({ amount: 1_005, currency: "jpy" }), 302, "jpy"],
    ["percent of a three-decimal kwd sale", program, sale({ amount: 12_345, currency: "kwd" }), 3_704, "kwd"],
    ["fixed amount in the program's currency", { ...program, commission: { type: "fixed" as const, amount: 500, currency: "eur" } }, sale(), 500, "eur"],
  ])("%s", (_name, p, s, amount, currency) => {
    const c = buildConversion("ws_1", source, s, { ...referral, program: p }, 0);
    expect(c.commission).toEqual({ amount, currency });
    expect(c.baseCommission).toEqual(c.commission);
    expect(c.status).toBe("pending");
    expect(c.approvesAt).toBe(s.paidAt + 30 * DAY);
  });

  it("keeps an unmatched payment, with its reason and no commission", () => {
    const c = buildConversion("ws_1", source, sale(), { reason: "no referral" }, 0);
    expect(c).toMatchObject({ status: "unattributed", reason: "no referral", affiliateId: null, commission: { amount: 0, currency: "usd" }, matchedBy: null });
  });

  it.each([
    ["flags a self-referral and pays nothing", false, 0],
    ["pays a self-referral when the program allows it", true, 3_000],
  ])("%s", (_name, allow, amount) => {
    const c = buildConversion("ws_1", source, sale({ email: "ann@example.com" }), { ...referral, program: { ...program, allowSelfReferral: allow } }, 0);
    expect(c.selfReferral).toBe(true);
    expect(c.commission.amount).toBe(amount);
  });
});

describe("withRefund (cumulative amount_refunded)", () => {
  const base = buildConversion("ws_1", source, sale(), referral, 0);
  it.each([
    ["nothing refunded", [0], 3_000, 0, "pending"],
    ["a quarter", [2_500], 2_250, 2_500, "pending"],
    ["two partials, cumulative", [2_500, 5_000], 1_500, 5_000, "pending"],
    ["out of order", [5_000, 2_500], 1_500, 5_000, "pending"],
    ["duplicated", [2_500, 2_500, 2_500], 2_250, 2_500, "pending"],
    ["one minor unit: 3000 × 9999/10000 = 2999.7 → 3000", [1], 3_000, 1, "pending"],
    ["full refund reverses", [2_500, 10_000], 0, 10_000, "reversed"],
    ["over-refund is clamped", [20_000], 0, 10_000, "reversed"],
  ])("%s", (_name, refunds, commission, refunded, status) => {
    const c = refunds.reduce((acc, r) => withRefund(acc, r, 10_000), base);
    expect(c.commission.amount).toBe(commission);
    expect(c.refundedAmount).toBe(refunded);
    expect(c.status).toBe(status);
  });

  it("gives a later manual attribution the refund already applied", () => {
    const unattributed = withRefund(buildConversion("ws_1", source, sale(), { reason: "none" }, 0), 5_000, 10_000);
    expect(unattributed.status).toBe("unattributed");
    const given = attribute(unattributed, { ...referral, matchedBy: "manual" });
    expect(given.commission.amount).toBe(1_500);
    expect(given.matchedBy).toBe("manual");
  });
});
