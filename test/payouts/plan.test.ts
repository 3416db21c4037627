import { describe, expect, it } from "vitest";
import { withRefund } from "../../server/domain/conversion.js";
import type { Affiliate, Conversion, Payout } from "../../server/domain/types.js";
import { payoutFile } from "../../server/payouts/export.js";
import { intoPayout, leftPayout, paidOut } from "../../server/payouts/lifecycle.js";
import { clawbackDue, planPayouts, type PlannedPayout } from "../../server/payouts/plan.js";
import { conversion } from "../support/records.js";

// The money rules of payouts, as tables: what a run gathers, what it skips, and what a refund or a
// dispute after payment takes back. Each row starts from conversions and applies what happened
// to them with the same pure functions the store applies.

const AT = Date.parse("2026-12-01T00:00:00Z");

/** A planned payout made real, as the store would: the payout and its conversions after it. */
function make(planned: PlannedPayout, id: string): Payout {
  return { id, workspaceId: "ws_test", ...planned, status: "pending", method: null, reference: null, createdAt: AT, paidAt: null, canceledAt: null };
}

/** Runs a payout for `cs` and marks it paid; answers the conversions as they are after. */
function payAll(cs: Conversion[], id = "po_first"): Conversion[] {
  const [planned] = planPayouts(cs, () => 0).payouts;
  const payout = make(planned, id);
  const paid: Payout = { ...payout, status: "paid", paidAt: AT };
  return cs.map((c) => paidOut(intoPayout(c, payout, AT), paid, AT));
}

const amounts = (cs: Conversion[], min = 0) => {
  const plan = planPayouts(cs, () => min);
  return { payouts: plan.payouts.map((p) => `${p.affiliateId} ${p.currency} ${p.livemode ? "live" : "test"} ${p.amount}`).sort(), skipped: plan.skipped.map((s) => `${s.currency} ${s.amount} ${s.reason}`).sort() };
};

describe("a payout run", () => {
  const ann30 = conversion({ id: "cnv_a" }); // $100 sale, $30 commission, approved
  const ann20 = conversion({ id: "cnv_b", amount: 6_667, commission: { amount: 2_000, currency: "usd" } });

  it.each([
    ["gathers an affiliate's approved commissions in a currency into one payout", [ann30, ann20], 0, ["aff_ann usd test 5000"], []],
    ["pays a total exactly at the minimum", [ann30, ann20], 5_000, ["aff_ann usd test 5000"], []],
    ["skips a total under the minimum; it waits for the next run", [ann30, ann20], 5_001, [], ["usd 5000 below_minimum"]],
    ["makes one payout per currency, each against the minimum in its own units", [ann30, conversion({ id: "cnv_e", currency: "eur", amount: 1_000 })], 1_000, ["aff_ann usd test 3000"], ["eur 300 below_minimum"]],
    ["keeps test and live apart", [ann30, conversion({ id: "cnv_l", livemode: true })], 0, ["aff_ann usd live 3000", "aff_ann usd test 3000"], []],
    ["keeps affiliates apart", [ann30, conversion({ id: "cnv_bob", affiliateId: "aff_bob" })], 0, ["aff_ann usd test 3000", "aff_bob usd test 3000"], []],
    ["takes nothing still in its hold, on hold in a dispute, reversed or already in a payout", [
      conversion({ id: "cnv_p", status: "pending" }), conversion({ id: "cnv_h", status: "on_hold" }),
      conversion({ id: "cnv_r", status: "reversed", commission: { amount: 0, currency: "usd" } }), conversion({ id: "cnv_in", payoutId: "po_x" }),
    ], 0, [], []],
    ["pays a zero-decimal currency in whole yen", [conversion({ id: "cnv_y", currency: "jpy", amount: 5_000 })], 0, ["aff_ann jpy test 1500"], []],
  ])("%s", (_name, cs, min, payouts, skipped) => {
    expect(amounts(cs, min)).toEqual({ payouts, skipped });
  });
});

describe("refunds and disputes around a payout", () => {
  const sale = () => conversion({ id: "cnv_s" }); // $30 commission
  const refunded = (c: Conversion, amount: number) => withRefund(c, amount, c.amount);

  it.each<[string, () => Conversion[], string[], string[]]>([
    ["a refund before the payout lowers what it pays (half refunded: half the commission)", () => [refunded(sale(), 5_000)], ["aff_ann usd test 1500"], []],
    ["half up: $10.01 of commission half refunded pays $5.01", () => [refunded(conversion({ id: "cnv_o", commission: { amount: 1_001, currency: "usd" } }), 5_000)], ["aff_ann usd test 501"], []],
    ["a full refund before the payout leaves nothing to pay", () => [refunded(sale(), 10_000)], [], []],
    ["a full refund after payment takes the whole commission back from the next payout", () => {
      const [paid] = payAll([sale()]);
      return [refunded(paid, 10_000), conversion({ id: "cnv_next", amount: 15_000 })];
    }, ["aff_ann usd test 1500"], []],
    ["a claw-back larger than what is due waits: nothing is paid, nothing is lost", () => {
      const [paid] = payAll([sale()]);
      return [refunded(paid, 10_000), conversion({ id: "cnv_small", amount: 5_000 })];
    }, [], ["usd -1500 nothing_due"]],
    ["a partial refund after payment takes back its share", () => {
      const [paid] = payAll([sale()]);
      return [refunded(paid, 2_500), conversion({ id: "cnv_next", amount: 10_000 })];
    }, ["aff_ann usd test 2250"], []],
    ["a lost dispute after payment takes the commission back", () => {
      const [paid] = payAll([sale()]);
      return [{ ...paid, status: "reversed", commission: { amount: 0, currency: "usd" } }, conversion({ id: "cnv_next", amount: 20_000 })];
    }, ["aff_ann usd test 3000"], []],
    ["a won dispute after payment takes nothing back (held, then paid again)", () => {
      const [paid] = payAll([sale()]);
      const held: Conversion = { ...paid, status: "on_hold" };
      return [held, { ...held, id: "cnv_s2", status: "paid" }, conversion({ id: "cnv_next" })];
    }, ["aff_ann usd test 3000"], []],
    ["a claw-back in another currency stays in that currency", () => {
      const [paid] = payAll([conversion({ id: "cnv_eur", currency: "eur" })]);
      return [refunded(paid, 10_000), conversion({ id: "cnv_usd" })];
    }, ["aff_ann usd test 3000"], ["eur -3000 nothing_due"]],
  ])("%s", (_name, build, payouts, skipped) => {
    expect(amounts(build())).toEqual({ payouts, skipped });
  });

  it("takes a claw-back once: after the payout that carried it, nothing more is owed", () => {
    const [paid] = payAll([sale()]);
    const lost = refunded(paid, 10_000);
    expect(clawbackDue(lost)).toBe(3_000);
    const fresh = conversion({ id: "cnv_next", amount: 20_000 });
    const [planned] = planPayouts([lost, fresh], () => 0).payouts;
    expect(planned.lines).toEqual([
      { conversionId: "cnv_s", kind: "clawback", amount: -3_000 },
      { conversionId: "cnv_next", kind: "commission", amount: 6_000 },
    ]);
    const second = make(planned, "po_second");
    const after = intoPayout(lost, second, AT);
    expect(clawbackDue(after)).toBe(0);
    // Canceled: the claw-back is owed again, the commission is due again.
    const canceled = { ...second, status: "canceled" as const, canceledAt: AT };
    expect(clawbackDue(leftPayout(after, canceled, AT))).toBe(3_000);
    expect(planPayouts([leftPayout(intoPayout(fresh, second, AT), canceled, AT)], () => 0).payouts[0].amount).toBe(6_000);
  });

  it("pays a commission refunded while its payout was pending in full, and claws the refund back next time", () => {
    const c = sale();
    const [planned] = planPayouts([c], () => 0).payouts;
    const payout = make(planned, "po_p");
    const inPayout = refunded(intoPayout(c, payout, AT), 5_000);
    const paid = paidOut(inPayout, { ...payout, status: "paid", paidAt: AT }, AT);
    expect(paid.paidCommission).toBe(3_000);
    expect(clawbackDue(paid)).toBe(1_500);
    expect(paid.history?.map((h) => h.note)).toEqual(["in payout", "payout paid"]);
  });
});

describe("payout files", () => {
  const ann = { id: "aff_ann", name: "Ann Lee", email: "ann@example.com" } as Affiliate;
  const payout = (o: Partial<Payout>): Payout => ({
    id: "po_1", workspaceId: "ws_test", programId: "prg_test", affiliateId: "aff_ann", currency: "usd", livemode: false, amount: 4_900, status: "pending",
    lines: [{ conversionId: "cnv_a", kind: "commission", amount: 4_900 }], method: { type: "paypal", email: "ann@paypal.example" }, reference: null,
    createdAt: AT, paidAt: null, canceledAt: null, ...o,
  });
  const affiliates = new Map([["aff_ann", ann]]);

  it.each<[string, Payout, string[]]>([
    ["dollars with cents", payout({}), ["ann@paypal.example", "49.00", "USD", "po_1", "Affiliate commission, payout po_1", "PAYPAL"]],
    ["yen without decimals", payout({ currency: "jpy", amount: 500 }), ["ann@paypal.example", "500", "JPY", "po_1", "Affiliate commission, payout po_1", "PAYPAL"]],
    ["dinars with three decimals", payout({ currency: "kwd", amount: 12_345 }), ["ann@paypal.example", "12.345", "KWD", "po_1", "Affiliate commission, payout po_1", "PAYPAL"]],
  ])("PayPal: no header row, recipient, amount in %s, currency, item id, note, wallet", (_name, p, row) => {
    const file = payoutFile("paypal", [p], affiliates);
    expect(file.header).toBeNull();
    expect(file.rows).toEqual([row]);
  });

  it("PayPal and Wise files hold only the payouts paid by their method and say how many they left out", () => {
    const all = [payout({}), payout({ id: "po_w", method: { type: "wise", email: "ann@wise.example" } }), payout({ id: "po_b", method: { type: "bank", details: "IBAN X" } }), payout({ id: "po_n", method: null })];
    expect(payoutFile("paypal", all, affiliates)).toMatchObject({ leftOut: 3 });
    const wise = payoutFile("wise", all, affiliates);
    expect(wise.header).toEqual(["name", "recipientEmail", "paymentReference", "receiverType", "amountCurrency", "amount", "sourceCurrency", "targetCurrency"]);
    expect(wise.rows).toEqual([["Ann Lee", "ann@wise.example", "po_w", "PRIVATE", "target", "49.00", "USD", "USD"]]);
    expect(wise.leftOut).toBe(3);
    const generic = payoutFile("generic", all, affiliates);
    expect(generic.rows).toHaveLength(4);
    expect(generic.rows[2]).toContain("IBAN X");
  });
});
