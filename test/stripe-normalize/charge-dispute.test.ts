import { describe, expect, it } from "vitest";
import { normalizeEvent } from "../../server/stripe/normalize.js";
import { dispute, envelope, isBasilOrLater, refundedCharge, VERSIONS } from "./shapes.js";

describe("charge.refunded", () => {
  it.each(VERSIONS)("%s", (v) => {
    const result = normalizeEvent(envelope("charge.refunded", refundedCharge(v), { apiVersion: v }));
    expect(result).toMatchObject({
      ok: true,
      data: {
        type: "charge_refunded",
        charge: { id: "ch_1", paymentIntentId: "pi_1", invoiceId: isBasilOrLater(v) ? null : "in_test_1", amount: 10_000, amountRefunded: 2_500, currency: "usd" },
      },
    });
  });

  it("does not read Charge.invoice from basil on, where Stripe no longer sends it", () => {
    const v = "2025-03-31.basil";
    const result = normalizeEvent(envelope("charge.refunded", refundedCharge(v, { invoice: "in_stale" }), { apiVersion: v }));
    expect(result.ok && result.data.type === "charge_refunded" && result.data.charge.invoiceId).toBeNull();
  });

  it("reads expanded payment_intent and invoice by id", () => {
    const v = "2024-06-20";
    const result = normalizeEvent(envelope("charge.refunded", refundedCharge(v, { payment_intent: { id: "pi_x" }, invoice: { id: "in_x" } }), { apiVersion: v }));
    expect(result).toMatchObject({ ok: true, data: { charge: { paymentIntentId: "pi_x", invoiceId: "in_x" } } });
  });

  it("reads the stripe-mock charge, which has no payment intent", () => {
    const result = normalizeEvent(envelope("charge.refunded", refundedCharge("2026-10-28.endive", { payment_intent: null })));
    expect(result).toMatchObject({ ok: true, data: { charge: { paymentIntentId: null, invoiceId: null } } });
  });

  it.each([
    ["amount_refunded missing", { amount_refunded: undefined }, "data.object.amount_refunded should be a whole number of 0 or more but is missing"],
    ["amount as a string", { amount: "100" }, 'data.object.amount should be a whole number of 0 or more but is "100"'],
  ])("refuses %s", (_name, over, detail) => {
    const result = normalizeEvent(envelope("charge.refunded", JSON.parse(JSON.stringify(refundedCharge("2026-10-28.endive", over)))));
    expect(result).toMatchObject({ ok: false, code: "malformed_event", message: expect.stringContaining(detail) });
  });
});

describe("charge.dispute.*", () => {
  it.each<[string, string, boolean]>([
    ["charge.dispute.created", "needs_response", false],
    ["charge.dispute.created", "warning_needs_response", false],
    ["charge.dispute.created", "appeal_under_review", false],
    ["charge.dispute.closed", "won", true],
    ["charge.dispute.closed", "lost", true],
    ["charge.dispute.closed", "warning_closed", true],
    ["charge.dispute.closed", "a_status_stripe_adds_later", true],
    ["charge.dispute.created", "prevented", true],
  ])("%s with status %s: closed %s", (type, status, closed) => {
    const result = normalizeEvent(envelope(type, dispute({ status })));
    expect(result).toEqual(
      expect.objectContaining({
        ok: true,
        data: { type: "dispute", dispute: { id: "dp_1Pgc71B7WZ01zgkWMevJiAUx", chargeId: "ch_1PgafuB7WZ01zgkWXYmPNZs8", paymentIntentId: "pi_1", status, closed } },
      }),
    );
  });

  it.each(VERSIONS)("reads the same at %s", (v) => {
    expect(normalizeEvent(envelope("charge.dispute.created", dispute(), { apiVersion: v }))).toMatchObject({ ok: true, data: { type: "dispute" } });
  });

  it("reads an expanded charge by id", () => {
    const result = normalizeEvent(envelope("charge.dispute.created", dispute({ charge: { id: "ch_x", object: "charge" }, payment_intent: null })));
    expect(result).toMatchObject({ ok: true, data: { dispute: { chargeId: "ch_x", paymentIntentId: null } } });
  });

  it("refuses a dispute without a charge", () => {
    const result = normalizeEvent(envelope("charge.dispute.closed", dispute({ charge: null })));
    expect(result).toMatchObject({ ok: false, code: "malformed_event", message: expect.stringContaining("data.object.charge should be an id or an object with an id but is null") });
  });
});
