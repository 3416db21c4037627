import { describe, expect, it } from "vitest";
import { normalizeEvent, type NormalizedSession } from "../../server/stripe/normalize.js";
import { envelope, fixture, paidSession, VERSIONS } from "./shapes.js";

const expected: NormalizedSession = {
  id: "cs_test_1",
  mode: "payment",
  paymentStatus: "paid",
  amountTotal: 10_000,
  currency: "usd",
  clientReferenceId: "icd_abc",
  metadataClickId: "icd_abc",
  email: "example@example.com",
  customerId: "cus_1",
  subscriptionId: null,
  paymentIntentId: "pi_1PgafyB7WZ01zgkWSjxsAJo3",
  invoiceId: null,
  // stripe-mock's session has a discount amount but no discounts list (the shape before 2025-01-27).
  promotions: { codes: [], unread: true },
  created: 1_779_999_000_000,
};

const sessionOf = (object: Record<string, unknown>, type = "checkout.session.completed", apiVersion?: string) => {
  const result = normalizeEvent(envelope(type, object, { apiVersion }));
  if (!result.ok || result.data.type !== "checkout_session") throw new Error(`not a session: ${JSON.stringify(result)}`);
  return result.data;
};

describe("checkout.session.* events", () => {
  // A Checkout Session renders the fields Icodrip reads the same way in every supported version.
  it.each(VERSIONS)("reads a paid payment-mode session at %s", (apiVersion) => {
    expect(sessionOf(paidSession(), "checkout.session.completed", apiVersion)).toEqual({ type: "checkout_session", eventType: "checkout.session.completed", session: expected });
  });

  it("reads checkout.session.async_payment_succeeded the same way and keeps the event type", () => {
    expect(sessionOf(paidSession(), "checkout.session.async_payment_succeeded")).toEqual({ type: "checkout_session", eventType: "checkout.session.async_payment_succeeded", session: expected });
  });

  it("reads a subscription-mode session with its subscription and invoice", () => {
    const s = sessionOf(paidSession({ mode: "subscription", subscription: "sub_1", invoice: "in_1", payment_intent: null, client_reference_id: null }));
    expect(s.session).toMatchObject({ mode: "subscription", subscriptionId: "sub_1", invoiceId: "in_1", paymentIntentId: null, clientReferenceId: null, metadataClickId: "icd_abc" });
  });

  it("reads expanded objects by their id", () => {
    const s = sessionOf(
      paidSession({
        mode: "subscription",
        customer: { id: "cus_x", object: "customer", email: "c@example.com" },
        subscription: { id: "sub_x", object: "subscription" },
        invoice: { id: "in_x", object: "invoice" },
        payment_intent: { id: "pi_x", object: "payment_intent" },
      }),
    );
    expect(s.session).toMatchObject({ customerId: "cus_x", subscriptionId: "sub_x", invoiceId: "in_x", paymentIntentId: "pi_x" });
  });

  it.each<[string, Record<string, unknown>, string | null]>([
    ["customer_details.email first, normalised", { customer_details: { email: " Buyer@Example.COM " }, customer_email: "other@example.com" }, "buyer@example.com"],
    ["customer_email when customer_details has none", { customer_details: { email: null }, customer_email: "Pre@Filled.com" }, "pre@filled.com"],
    ["customer_email when there are no customer_details", { customer_details: null, customer_email: "pre@filled.com" }, "pre@filled.com"],
    ["null when neither is set", { customer_details: null, customer_email: null }, null],
    ["null when it is not an address", { customer_details: { email: "nope" }, customer_email: null }, null],
  ])("email: %s", (_name, over, email) => {
    expect(sessionOf(paidSession(over)).session.email).toBe(email);
  });

  it.each<[string, unknown, string | null]>([
    ["no metadata", null, null],
    ["empty metadata", {}, null],
    ["another key only", { order: "42" }, null],
    ["a blank click id", { icodrip_click: "  " }, null],
    ["a click id", { icodrip_click: "icd_meta" }, "icd_meta"],
  ])("metadata click id with %s", (_name, metadata, id) => {
    expect(sessionOf(paidSession({ metadata })).session.metadataClickId).toBe(id);
  });

  it("lowercases the currency", () => {
    expect(sessionOf(paidSession({ currency: "EUR" })).session.currency).toBe("eur");
  });

  it("reads an unpaid session (delayed payment method) for the handler to wait on", () => {
    expect(sessionOf(paidSession({ payment_status: "unpaid" })).session.paymentStatus).toBe("unpaid");
  });

  it("reads the stripe-mock session as Stripe's fixture has it: unpaid, amount and currency null", () => {
    const s = sessionOf(fixture("openapi-fixtures3.checkout.session.json"));
    expect(s.session).toMatchObject({ paymentStatus: "unpaid", amountTotal: 0, currency: "", email: "example@example.com", clientReferenceId: null, metadataClickId: null });
  });

  it("reads a setup session, which has no amount or currency, as 0 and empty", () => {
    const s = sessionOf(paidSession({ mode: "setup", payment_status: "no_payment_required", amount_total: null, currency: null, payment_intent: null }));
    expect(s.session).toMatchObject({ mode: "setup", paymentStatus: "no_payment_required", amountTotal: 0, currency: "" });
  });

  it.each([
    ["mode", { mode: "installments" }, 'Checkout Session cs_test_1 has mode "installments", which Icodrip does not count.'],
    ["payment status", { payment_status: "partially_paid" }, 'Checkout Session cs_test_1 has payment status "partially_paid", which Icodrip does not count.'],
  ])("ignores an unknown %s with a reason", (_name, over, reason) => {
    expect(normalizeEvent(envelope("checkout.session.completed", paidSession(over)))).toMatchObject({ ok: true, data: { type: "ignored", reason } });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ["a paid session without amount (the stripe-mock fixture, marked paid)", { ...fixture("openapi-fixtures3.checkout.session.json"), payment_status: "paid" }, "data.object.amount_total should be a whole number of 0 or more but is null"],
    ["a missing id", { id: undefined }, "data.object.id should be a non-empty string but is missing"],
    ["an amount in a string", { amount_total: "100.00" }, 'data.object.amount_total should be a whole number of 0 or more but is "100.00"'],
    ["a negative amount", { amount_total: -5 }, "data.object.amount_total should be a whole number of 0 or more but is number -5"],
    ["no currency on a paid session", { currency: null }, "data.object.currency should be a non-empty string but is null"],
    ["a numeric client_reference_id", { client_reference_id: 42 }, "data.object.client_reference_id should be a string or null but is number 42"],
    ["customer as an object without id", { customer: { object: "customer" } }, "data.object.customer should be an id or an object with an id but is an object"],
    ["customer_details as a string", { customer_details: "x@y.com" }, 'data.object.customer_details should be an object but is "x@y.com"'],
    ["metadata as a list", { metadata: ["icd_1"] }, "data.object.metadata should be an object of strings but is a list"],
    ["mode missing", { mode: undefined }, "data.object.mode should be a non-empty string but is missing"],
  ])("refuses %s as malformed_event naming the field", (_name, over, detail) => {
    const object = "object" in over && over.object === "checkout.session" ? over : paidSession(over);
    const result = normalizeEvent(envelope("checkout.session.completed", JSON.parse(JSON.stringify(object))));
    expect(result).toEqual({
      ok: false,
      code: "malformed_event",
      message: `Event evt_test_1 (checkout.session.completed, API version 2026-10-28.endive) cannot be read: ${detail}. Check that nothing between Stripe and Icodrip rewrites webhook bodies.`,
    });
  });
});
