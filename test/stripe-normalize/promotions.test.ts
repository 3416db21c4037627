import { describe, expect, it } from "vitest";
import { normalizeEvent, type Promotions } from "../../server/stripe/normalize.js";
import { envelope, paidInvoice, paidSession } from "./shapes.js";

// Which promotion codes a payload names, and when it shows a discount it cannot name.

const sessionPromotions = (over: Record<string, unknown>, apiVersion = "2026-10-28.endive"): Promotions => {
  const result = normalizeEvent(envelope("checkout.session.completed", paidSession(over), { apiVersion }));
  if (!result.ok || result.data.type !== "checkout_session") throw new Error(JSON.stringify(result));
  return result.data.session.promotions;
};

const invoicePromotions = (discounts: unknown): Promotions => {
  const result = normalizeEvent(envelope("invoice.paid", { ...paidInvoice("2026-10-28.endive"), discounts }, { apiVersion: "2026-10-28.endive" }));
  if (!result.ok || result.data.type !== "invoice_paid") throw new Error(JSON.stringify(result));
  return result.data.invoice.promotions;
};

describe("promotion codes in payloads", () => {
  it("reads Session.discounts[].promotion_code (2025-01-27 on), as an id or an expanded object", () => {
    expect(sessionPromotions({ discounts: [{ coupon: "co_1", promotion_code: "promo_1" }] })).toEqual({ codes: [{ id: "promo_1", code: null }], unread: false });
    expect(sessionPromotions({ discounts: [{ coupon: "co_1", promotion_code: { id: "promo_1", object: "promotion_code", code: "SPRING24" } }] })).toEqual({
      codes: [{ id: "promo_1", code: "SPRING24" }],
      unread: false,
    });
    // A coupon without a code, or no discount at all: nothing to read.
    expect(sessionPromotions({ discounts: [{ coupon: "co_1", promotion_code: null }], total_details: { amount_discount: 500, amount_shipping: 0, amount_tax: 0 } })).toEqual({ codes: [], unread: false });
    expect(sessionPromotions({ discounts: [] })).toEqual({ codes: [], unread: false });
  });

  it("marks a session rendered before 2025-01-27 unread only when it shows a discount amount", () => {
    expect(sessionPromotions({ discounts: undefined, total_details: { amount_discount: 2_000, amount_shipping: 0, amount_tax: 0 } }, "2024-06-20")).toEqual({ codes: [], unread: true });
    expect(sessionPromotions({ discounts: undefined, total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 } }, "2024-06-20")).toEqual({ codes: [], unread: false });
  });

  it("marks an invoice whose discounts are ids unread, and reads expanded ones", () => {
    expect(invoicePromotions([])).toEqual({ codes: [], unread: false });
    expect(invoicePromotions(["di_1"])).toEqual({ codes: [], unread: true });
    expect(invoicePromotions([{ id: "di_1", object: "discount", promotion_code: { id: "promo_2", code: "SUBS" } }])).toEqual({ codes: [{ id: "promo_2", code: "SUBS" }], unread: false });
  });

  it("refuses a discounts list that is not one, naming the field", () => {
    const result = normalizeEvent(envelope("invoice.paid", { ...paidInvoice("2026-10-28.endive"), discounts: "di_1" }, { apiVersion: "2026-10-28.endive" }));
    expect(result).toMatchObject({ ok: false, code: "malformed_event", message: expect.stringContaining("data.object.discounts") as unknown });
  });
});
