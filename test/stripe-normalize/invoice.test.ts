import { describe, expect, it } from "vitest";
import { normalizeEvent, type NormalizedInvoice } from "../../server/stripe/normalize.js";
import { envelope, invoicePayment, isBasilOrLater, paidInvoice, VERSIONS } from "./shapes.js";

const invoiceOf = (apiVersion: string, object: Record<string, unknown>) => {
  const result = normalizeEvent(envelope("invoice.paid", object, { apiVersion }));
  if (!result.ok || result.data.type !== "invoice_paid") throw new Error(`not an invoice: ${JSON.stringify(result)}`);
  return result.data.invoice;
};

const expected = (o: Partial<NormalizedInvoice> = {}): NormalizedInvoice => ({
  id: "in_test_1",
  amountPaid: 2_000,
  currency: "usd",
  billingReason: "subscription_cycle",
  customerId: "cus_QXg1o8vcGmoR32",
  subscriptionId: "sub_1",
  email: "buyer@example.com",
  metadataClickId: "icd_sub",
  paymentIntentId: "pi_1",
  chargeId: "ch_1",
  promotions: { codes: [], unread: false },
  paidAt: 1_780_000_100_000,
  ...o,
});

const PRE_BASIL = VERSIONS.filter((v) => !isBasilOrLater(v));
const BASIL_ON = VERSIONS.filter(isBasilOrLater);

describe("invoice.paid before basil: top-level subscription, subscription_details, charge, payment_intent", () => {
  it.each(PRE_BASIL)("%s", (v) => {
    expect(invoiceOf(v, paidInvoice(v))).toEqual(expected());
  });

  it("does not look for Invoice.parent, which these versions do not render", () => {
    const v = "2024-06-20";
    const object = { ...paidInvoice(v, { subscription: null, subscriptionMetadata: null }), parent: { subscription_details: { subscription: "sub_wrong", metadata: { icodrip_click: "icd_wrong" } } } };
    expect(invoiceOf(v, object)).toMatchObject({ subscriptionId: null, metadataClickId: null });
  });

  it("reads expanded subscription, payment intent and charge by id", () => {
    const v = "2024-12-18.acacia";
    const object = paidInvoice(v, { subscription: { id: "sub_x", object: "subscription" }, paymentIntent: { id: "pi_x", object: "payment_intent" }, charge: { id: "ch_x", object: "charge" } });
    expect(invoiceOf(v, object)).toMatchObject({ subscriptionId: "sub_x", paymentIntentId: "pi_x", chargeId: "ch_x" });
  });
});

describe("invoice.paid from basil: parent.subscription_details and payments", () => {
  it.each(BASIL_ON)("%s without Invoice.payments (as webhooks send it): payment ids are null", (v) => {
    expect(invoiceOf(v, paidInvoice(v))).toEqual(expected({ paymentIntentId: null, chargeId: null }));
  });

  it.each(BASIL_ON)("%s with Invoice.payments expanded", (v) => {
    expect(invoiceOf(v, paidInvoice(v, { payments: [invoicePayment({ paymentIntent: "pi_1" })] }))).toEqual(expected({ chargeId: null }));
  });

  it("ignores the top-level fields basil removed", () => {
    const v = "2026-10-28.endive";
    const object = { ...paidInvoice(v, { subscription: null, subscriptionMetadata: null }), subscription: "sub_wrong", payment_intent: "pi_wrong", charge: "ch_wrong" };
    expect(invoiceOf(v, object)).toMatchObject({ subscriptionId: null, paymentIntentId: null, chargeId: null, metadataClickId: null });
  });

  it("reads the raw stripe-mock fixture's parent (a stale top-level subscription: null beside it)", () => {
    const v = "2026-10-28.endive";
    const { subscription: _s, ...rest } = paidInvoice(v);
    const object = { ...rest, subscription: null, parent: { quote_details: { quote: "quote" }, subscription_details: { metadata: null, subscription: "subscription" }, type: "quote_details" } };
    expect(invoiceOf(v, object)).toMatchObject({ subscriptionId: "subscription", metadataClickId: null });
  });

  it.each<[string, Record<string, unknown>[], string | null, string | null]>([
    ["a charge payment", [invoicePayment({ charge: "ch_9", type: "charge" })], null, "ch_9"],
    ["an expanded payment intent", [invoicePayment({ paymentIntent: { id: "pi_x", object: "payment_intent" } })], "pi_x", null],
    ["the paid one among failed attempts", [invoicePayment({ status: "canceled", paymentIntent: "pi_old", isDefault: false }), invoicePayment({ paymentIntent: "pi_new", isDefault: false })], "pi_new", null],
    ["the default one among several paid parts", [invoicePayment({ paymentIntent: "pi_part", isDefault: false }), invoicePayment({ paymentIntent: "pi_default", isDefault: true })], "pi_default", null],
    ["none when nothing is paid yet", [invoicePayment({ status: "open", paymentIntent: "pi_open" })], null, null],
    ["none from an empty list", [], null, null],
  ])("payments: %s", (_name, payments, paymentIntentId, chargeId) => {
    const v = "2025-09-30.clover";
    expect(invoiceOf(v, paidInvoice(v, { payments }))).toMatchObject({ paymentIntentId, chargeId });
  });

  it("reads an expanded subscription in parent by id", () => {
    const v = "2026-03-25.dahlia";
    expect(invoiceOf(v, paidInvoice(v, { subscription: { id: "sub_x", object: "subscription" } })).subscriptionId).toBe("sub_x");
  });

  it("has no subscription for an invoice without a parent (a one-off invoice)", () => {
    const v = "2026-10-28.endive";
    expect(invoiceOf(v, { ...paidInvoice(v), parent: null, billing_reason: "manual" })).toMatchObject({ subscriptionId: null, metadataClickId: null, billingReason: "manual" });
  });
});

describe("invoice.paid: the click id", () => {
  const lines = (...metadata: Record<string, string>[]) => ({
    object: "list",
    has_more: false,
    url: "/v1/invoices/in_test_1/lines",
    data: metadata.map((m, i) => ({ id: `il_${i}`, object: "line_item", amount: 1_000, currency: "usd", metadata: m })),
  });

  it.each(["2024-06-20", "2026-10-28.endive"])("at %s, subscription metadata first, then invoice metadata, then lines", (v) => {
    const all = paidInvoice(v, {}, { metadata: { icodrip_click: "icd_inv" }, lines: lines({ icodrip_click: "icd_line" }) });
    expect(invoiceOf(v, all).metadataClickId).toBe("icd_sub");
    const noSub = paidInvoice(v, { subscriptionMetadata: {} }, { metadata: { icodrip_click: "icd_inv" }, lines: lines({ icodrip_click: "icd_line" }) });
    expect(invoiceOf(v, noSub).metadataClickId).toBe("icd_inv");
    const linesOnly = paidInvoice(v, { subscriptionMetadata: null }, { metadata: {}, lines: lines({}, { icodrip_click: "icd_line" }) });
    expect(invoiceOf(v, linesOnly).metadataClickId).toBe("icd_line");
    const none = paidInvoice(v, { subscriptionMetadata: null }, { metadata: null, lines: lines({}) });
    expect(invoiceOf(v, none).metadataClickId).toBeNull();
  });
});

describe("invoice.paid: other fields", () => {
  it("falls back to the event's time when status_transitions.paid_at is null", () => {
    const v = "2026-10-28.endive";
    const object = paidInvoice(v, {}, { status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null } });
    expect(invoiceOf(v, object).paidAt).toBe(1_780_000_000_000);
  });

  it("reads a trial invoice of 0 and a missing email", () => {
    const v = "2026-10-28.endive";
    expect(invoiceOf(v, paidInvoice(v, {}, { amount_paid: 0, customer_email: null, billing_reason: "subscription_create" }))).toMatchObject({ amountPaid: 0, email: null, billingReason: "subscription_create" });
  });

  it("reads an expanded customer by id", () => {
    const v = "2026-10-28.endive";
    expect(invoiceOf(v, paidInvoice(v, {}, { customer: { id: "cus_x", object: "customer" } })).customerId).toBe("cus_x");
  });

  it.each<[string, string, Record<string, unknown>, InvoiceParts, string]>([
    ["amount_paid missing", "2026-10-28.endive", { amount_paid: undefined }, {}, "data.object.amount_paid should be a whole number of 0 or more but is missing"],
    ["amount_paid fractional", "2023-10-16", { amount_paid: 19.99 }, {}, "data.object.amount_paid should be a whole number of 0 or more but is number 19.99"],
    ["currency missing", "2026-10-28.endive", { currency: undefined }, {}, "data.object.currency should be a non-empty string but is missing"],
    ["parent as a string", "2026-10-28.endive", { parent: "sub_1" }, {}, 'data.object.parent should be an object but is "sub_1"'],
    ["a subscription without id", "2026-10-28.endive", {}, { subscription: { object: "subscription" } }, "data.object.parent.subscription_details.subscription should be an id or an object with an id but is an object"],
    ["a legacy subscription as a number", "2024-06-20", {}, { subscription: 7 }, "data.object.subscription should be an id or an object with an id but is number 7"],
    ["payments not a list", "2026-10-28.endive", { payments: { data: "pay" } }, {}, 'data.object.payments.data should be a list but is "pay"'],
    ["a payment that is not an object", "2026-10-28.endive", { payments: { data: ["inpay_1"] } }, {}, 'data.object.payments.data[0] should be an object but is "inpay_1"'],
    ["paid_at as a string", "2026-10-28.endive", { status_transitions: { paid_at: "yesterday" } }, {}, 'data.object.status_transitions.paid_at should be a whole number of 0 or more but is "yesterday"'],
  ])("refuses %s as malformed_event naming the field", (_name, v, over, parts, detail) => {
    const result = normalizeEvent(envelope("invoice.paid", JSON.parse(JSON.stringify(paidInvoice(v, parts, over))), { apiVersion: v }));
    expect(result).toEqual({
      ok: false,
      code: "malformed_event",
      message: `Event evt_test_1 (invoice.paid, API version ${v}) cannot be read: ${detail}. Check that nothing between Stripe and Icodrip rewrites webhook bodies.`,
    });
  });
});

type InvoiceParts = Parameters<typeof paidInvoice>[1];
