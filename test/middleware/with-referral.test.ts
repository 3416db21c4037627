import type Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { withReferral, type Referral } from "../../middleware/index.js";

type Params = Stripe.Checkout.SessionCreateParams;

const ref: Referral = { clickId: "icd_abc123", email: "visitor@example.com" };
const line_items = [{ price: "price_1", quantity: 1 }];

describe("withReferral", () => {
  const cases: Array<{ name: string; params: Params; referral: Referral | null; expected: Params }> = [
    {
      name: "payment mode: click everywhere, email, payment intent metadata",
      params: { mode: "payment", line_items },
      referral: ref,
      expected: {
        mode: "payment",
        line_items,
        client_reference_id: "icd_abc123",
        customer_email: "visitor@example.com",
        metadata: { icodrip_click: "icd_abc123" },
        payment_intent_data: { metadata: { icodrip_click: "icd_abc123" } },
      },
    },
    {
      name: "no mode is Stripe's payment default",
      params: { line_items },
      referral: ref,
      expected: {
        line_items,
        client_reference_id: "icd_abc123",
        customer_email: "visitor@example.com",
        metadata: { icodrip_click: "icd_abc123" },
        payment_intent_data: { metadata: { icodrip_click: "icd_abc123" } },
      },
    },
    {
      name: "subscription mode: subscription metadata, no payment intent data",
      params: { mode: "subscription", line_items },
      referral: ref,
      expected: {
        mode: "subscription",
        line_items,
        client_reference_id: "icd_abc123",
        customer_email: "visitor@example.com",
        metadata: { icodrip_click: "icd_abc123" },
        subscription_data: { metadata: { icodrip_click: "icd_abc123" } },
      },
    },
    {
      name: "setup mode: session metadata only",
      params: { mode: "setup", currency: "usd" },
      referral: ref,
      expected: {
        mode: "setup",
        currency: "usd",
        client_reference_id: "icd_abc123",
        customer_email: "visitor@example.com",
        metadata: { icodrip_click: "icd_abc123" },
      },
    },
    {
      name: "merchant's client_reference_id is kept, the click still goes to metadata",
      params: { mode: "payment", client_reference_id: "order_42" },
      referral: ref,
      expected: {
        mode: "payment",
        client_reference_id: "order_42",
        customer_email: "visitor@example.com",
        metadata: { icodrip_click: "icd_abc123" },
        payment_intent_data: { metadata: { icodrip_click: "icd_abc123" } },
      },
    },
    {
      name: "merchant's customer_email is kept",
      params: { mode: "payment", customer_email: "known@merchant.test" },
      referral: ref,
      expected: {
        mode: "payment",
        client_reference_id: "icd_abc123",
        customer_email: "known@merchant.test",
        metadata: { icodrip_click: "icd_abc123" },
        payment_intent_data: { metadata: { icodrip_click: "icd_abc123" } },
      },
    },
    {
      name: "an existing customer gets no customer_email",
      params: { mode: "subscription", customer: "cus_123" },
      referral: ref,
      expected: {
        mode: "subscription",
        customer: "cus_123",
        client_reference_id: "icd_abc123",
        metadata: { icodrip_click: "icd_abc123" },
        subscription_data: { metadata: { icodrip_click: "icd_abc123" } },
      },
    },
    {
      name: "an Accounts v2 customer_account counts as a customer",
      params: { mode: "setup", customer_account: "acct_123" },
      referral: ref,
      expected: {
        mode: "setup",
        customer_account: "acct_123",
        client_reference_id: "icd_abc123",
        metadata: { icodrip_click: "icd_abc123" },
      },
    },
    {
      name: "empty strings count as unset",
      params: { mode: "setup", client_reference_id: "", customer_email: "", customer: "" },
      referral: ref,
      expected: {
        mode: "setup",
        client_reference_id: "icd_abc123",
        customer_email: "visitor@example.com",
        customer: "",
        metadata: { icodrip_click: "icd_abc123" },
      },
    },
    {
      name: "no email in the referral: no customer_email",
      params: { mode: "setup" },
      referral: { clickId: "icd_abc123" },
      expected: { mode: "setup", client_reference_id: "icd_abc123", metadata: { icodrip_click: "icd_abc123" } },
    },
    {
      name: "merchant metadata and sub-object fields are merged, not replaced",
      params: {
        mode: "subscription",
        metadata: { order: "42" },
        subscription_data: { trial_period_days: 7, metadata: { plan: "pro" } },
      },
      referral: ref,
      expected: {
        mode: "subscription",
        client_reference_id: "icd_abc123",
        customer_email: "visitor@example.com",
        metadata: { order: "42", icodrip_click: "icd_abc123" },
        subscription_data: { trial_period_days: 7, metadata: { plan: "pro", icodrip_click: "icd_abc123" } },
      },
    },
    {
      name: "payment intent fields are merged, not replaced",
      params: { payment_intent_data: { capture_method: "manual", metadata: { sku: "x" } } },
      referral: { clickId: "icd_abc123" },
      expected: {
        client_reference_id: "icd_abc123",
        metadata: { icodrip_click: "icd_abc123" },
        payment_intent_data: { capture_method: "manual", metadata: { sku: "x", icodrip_click: "icd_abc123" } },
      },
    },
    {
      name: "an icodrip_click the merchant set is kept",
      params: { mode: "setup", metadata: { icodrip_click: "icd_chosen" } },
      referral: { clickId: "icd_abc123" },
      expected: { mode: "setup", client_reference_id: "icd_abc123", metadata: { icodrip_click: "icd_chosen" } },
    },
    {
      name: "null referral: params unchanged",
      params: { mode: "payment", line_items, metadata: { order: "42" } },
      referral: null,
      expected: { mode: "payment", line_items, metadata: { order: "42" } },
    },
    {
      name: "a hand-built referral with a bad click id is ignored",
      params: { mode: "payment" },
      referral: { clickId: "order_42", email: "visitor@example.com" },
      expected: { mode: "payment" },
    },
    {
      name: "a hand-built referral with an implausible email keeps the click only",
      params: { mode: "setup" },
      referral: { clickId: "icd_abc123", email: "not an email" },
      expected: { mode: "setup", client_reference_id: "icd_abc123", metadata: { icodrip_click: "icd_abc123" } },
    },
  ];

  it.each(cases)("$name", ({ params, referral, expected }) => {
    const before = structuredClone(params);
    const result = withReferral(params, referral);
    expect(result).toEqual(expected);
    expect(params).toEqual(before);
    expect(result).not.toBe(params);
  });

  it("leaves the caller's nested objects untouched", () => {
    const metadata = { order: "42" };
    const subscription_data = { metadata: { plan: "pro" } };
    const result = withReferral({ mode: "subscription", metadata, subscription_data }, ref);
    expect(metadata).toEqual({ order: "42" });
    expect(subscription_data).toEqual({ metadata: { plan: "pro" } });
    expect(result.metadata).not.toBe(metadata);
    expect(result.subscription_data).not.toBe(subscription_data);
  });

  it("accepts undefined, as req.referral is when the middleware did not run", () => {
    expect(withReferral({ mode: "payment" }, undefined)).toEqual({ mode: "payment" });
  });
});
