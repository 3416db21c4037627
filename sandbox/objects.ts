import type Stripe from "stripe";
import { randomId } from "./state.js";

// Builders for the objects a payment creates, typed as stripe-node's own types so `tsc` holds
// the sandbox to every field Stripe's current API version (the one stripe-node 23.1 is generated
// for) renders. Fields whose type is stripe-node's Decimal class (a string on the wire) are left
// null: the SDK-side class cannot be written here, and Icodrip reads none of them. Older API
// versions are rendered from these by render.ts.

export type LineItem = {
  /** A sandbox price id, or null when the line came with price_data. */
  priceId: string | null;
  productName: string;
  unitAmount: number;
  currency: string;
  quantity: number;
  recurring: { interval: Stripe.Price.Recurring.Interval; interval_count: number } | null;
};

export const objectId = (prefix: string, livemode = false) => `${prefix}_${livemode ? "1L" : "1T"}${randomId(22)}`;

const noAutomaticTax = { enabled: false, liability: null, provider: null, status: null } as const;

export function customerObject(id: string, email: string, livemode: boolean, created: number): Stripe.Customer {
  return {
    id,
    object: "customer",
    address: null,
    balance: 0,
    created,
    currency: null,
    customer_account: null,
    default_source: null,
    delinquent: false,
    description: null,
    email,
    invoice_prefix: randomId(8).toUpperCase(),
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    livemode,
    metadata: {},
    name: null,
    next_invoice_sequence: 1,
    phone: null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: "none",
    test_clock: null,
  };
}

export function paymentIntentObject(o: {
  id: string;
  amount: number;
  currency: string;
  customer: string;
  chargeId: string;
  email: string;
  metadata: Record<string, string>;
  description: string | null;
  livemode: boolean;
  created: number;
}): Stripe.PaymentIntent {
  return {
    id: o.id,
    object: "payment_intent",
    allowed_payment_method_types: null,
    amount: o.amount,
    amount_capturable: 0,
    amount_details: { tip: {} },
    amount_received: o.amount,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: null,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: "automatic",
    client_secret: `${o.id}_secret_${randomId(24)}`,
    confirmation_method: "automatic",
    created: o.created,
    currency: o.currency,
    customer: o.customer,
    customer_account: null,
    description: o.description,
    excluded_payment_method_types: null,
    last_payment_error: null,
    latest_charge: o.chargeId,
    livemode: o.livemode,
    managed_payments: null,
    metadata: { ...o.metadata },
    next_action: null,
    on_behalf_of: null,
    payment_method: `pm_1T${randomId(22)}`,
    payment_method_configuration_details: null,
    payment_method_options: null,
    payment_method_types: ["card"],
    payment_record: null,
    processing: null,
    receipt_email: o.email,
    review: null,
    setup_future_usage: null,
    shipping: null,
    source: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: "succeeded",
    transfer_data: null,
    transfer_group: null,
  };
}

export function chargeObject(o: {
  id: string;
  amount: number;
  currency: string;
  customer: string;
  paymentIntent: string;
  paymentMethod: string | null;
  email: string;
  metadata: Record<string, string>;
  description: string | null;
  livemode: boolean;
  created: number;
}): Stripe.Charge {
  return {
    id: o.id,
    object: "charge",
    amount: o.amount,
    amount_captured: o.amount,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: `txn_1T${randomId(22)}`,
    billing_details: { address: null, email: o.email, name: null, phone: null, tax_id: null },
    calculated_statement_descriptor: "SANDBOX",
    captured: true,
    created: o.created,
    currency: o.currency,
    customer: o.customer,
    description: o.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: null,
    failure_message: null,
    fraud_details: {},
    livemode: o.livemode,
    metadata: { ...o.metadata },
    on_behalf_of: null,
    outcome: {
      advice_code: null,
      network_advice_code: null,
      network_decline_code: null,
      network_status: "approved_by_network",
      reason: null,
      risk_level: "normal",
      risk_score: 12,
      seller_message: "Payment complete.",
      type: "authorized",
    },
    paid: true,
    payment_intent: o.paymentIntent,
    payment_method: o.paymentMethod,
    payment_method_details: null,
    receipt_email: o.email,
    receipt_number: null,
    receipt_url: null,
    refunded: false,
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: "succeeded",
    transfer_data: null,
    transfer_group: null,
  };
}

export function refundObject(o: {
  id: string;
  amount: number;
  charge: Stripe.Charge;
  reason: Stripe.Refund.Reason | null;
  metadata: Record<string, string>;
  created: number;
}): Stripe.Refund {
  return {
    id: o.id,
    object: "refund",
    amount: o.amount,
    balance_transaction: `txn_1T${randomId(22)}`,
    charge: o.charge.id,
    created: o.created,
    currency: o.charge.currency,
    customer: typeof o.charge.customer === "string" ? o.charge.customer : null,
    customer_account: null,
    destination_details: { type: "card", card: { reference_status: "pending", reference_type: "acquirer_reference_number", type: "refund" } },
    metadata: { ...o.metadata },
    payment_intent: typeof o.charge.payment_intent === "string" ? o.charge.payment_intent : null,
    payment_method: o.charge.payment_method,
    reason: o.reason,
    receipt_number: null,
    source_transfer_reversal: null,
    status: "succeeded",
    transfer_reversal: null,
  };
}

export function priceObject(id: string, item: LineItem, productId: string, livemode: boolean, created: number): Stripe.Price {
  return {
    id,
    object: "price",
    active: true,
    billing_scheme: "per_unit",
    created,
    currency: item.currency,
    custom_unit_amount: null,
    livemode,
    lookup_key: null,
    metadata: {},
    nickname: null,
    product: productId,
    recurring: item.recurring ? { ...item.recurring, meter: null, trial_period_days: null, usage_type: "licensed" } : null,
    tax_behavior: "unspecified",
    tiers_mode: null,
    transform_quantity: null,
    type: item.recurring ? "recurring" : "one_time",
    unit_amount: item.unitAmount,
    unit_amount_decimal: null,
  };
}

function planObject(price: Stripe.Price): Stripe.Plan {
  const recurring = price.recurring;
  if (!recurring) throw new Error(`sandbox: price ${price.id} is not recurring`);
  return {
    id: price.id,
    object: "plan",
    active: true,
    amount: price.unit_amount,
    amount_decimal: null,
    billing_scheme: "per_unit",
    created: price.created,
    currency: price.currency,
    interval: recurring.interval,
    interval_count: recurring.interval_count,
    livemode: price.livemode,
    metadata: {},
    meter: null,
    nickname: null,
    product: price.product,
    tiers_mode: null,
    transform_usage: null,
    trial_period_days: null,
    usage_type: "licensed",
  };
}

/** The end of a billing period that starts at `start`, by calendar months or years as Stripe counts. */
export function periodEnd(start: number, interval: Stripe.Price.Recurring.Interval, count: number): number {
  const d = new Date(start * 1000);
  if (interval === "day") d.setUTCDate(d.getUTCDate() + count);
  else if (interval === "week") d.setUTCDate(d.getUTCDate() + 7 * count);
  else if (interval === "month") d.setUTCMonth(d.getUTCMonth() + count);
  else d.setUTCFullYear(d.getUTCFullYear() + count);
  return Math.floor(d.getTime() / 1000);
}

export function subscriptionObject(o: {
  id: string;
  customer: string;
  prices: { price: Stripe.Price; quantity: number }[];
  metadata: Record<string, string>;
  latestInvoice: string;
  periodStart: number;
  periodEnd: number;
  livemode: boolean;
  created: number;
}): Stripe.Subscription {
  const items: Stripe.SubscriptionItem[] = o.prices.map(({ price, quantity }) => ({
    id: `si_${randomId(14)}`,
    object: "subscription_item",
    billing_thresholds: null,
    created: o.created,
    current_period_end: o.periodEnd,
    current_period_start: o.periodStart,
    current_trial: null,
    discounts: [],
    metadata: {},
    plan: planObject(price),
    price,
    quantity,
    subscription: o.id,
    tax_rates: [],
  }));
  return {
    id: o.id,
    object: "subscription",
    application: null,
    application_fee_percent: null,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: o.periodStart,
    billing_cycle_anchor_config: null,
    billing_mode: { flexible: null, type: "classic" },
    billing_schedules: [],
    billing_thresholds: null,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: null,
    cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: null },
    collection_method: "charge_automatically",
    created: o.created,
    currency: o.prices[0]?.price.currency ?? "usd",
    customer: o.customer,
    customer_account: null,
    days_until_due: null,
    default_payment_method: null,
    default_source: null,
    description: null,
    discounts: [],
    ended_at: null,
    invoice_settings: { account_tax_ids: null, custom_fields: null, description: null, footer: null, issuer: { type: "self" } },
    items: { object: "list", data: items, has_more: false, url: `/v1/subscription_items?subscription=${o.id}` },
    latest_invoice: o.latestInvoice,
    livemode: o.livemode,
    managed_payments: null,
    metadata: { ...o.metadata },
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: { payment_method_options: null, payment_method_types: null, save_default_payment_method: "off" },
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: o.created,
    status: "active",
    test_clock: null,
    transfer_data: null,
    trial_end: null,
    trial_settings: { end_behavior: { billing_cycle_anchor: "unchanged", missing_payment_method: "create_invoice" } },
    trial_start: null,
  };
}

export function invoiceObject(o: {
  id: string;
  account: { id: string; name: string };
  customer: Stripe.Customer;
  subscription: Stripe.Subscription;
  billingReason: Stripe.Invoice.BillingReason;
  number: string;
  periodStart: number;
  periodEnd: number;
  paidAt: number;
  livemode: boolean;
  created: number;
}): Stripe.Invoice {
  const sub = o.subscription;
  const lines: Stripe.InvoiceLineItem[] = sub.items.data.map((item) => {
    const amount = (item.price.unit_amount ?? 0) * (item.quantity ?? 1);
    const product = typeof item.price.product === "string" ? item.price.product : item.price.product.id;
    return {
      id: `il_${randomId(24)}`,
      object: "line_item",
      amount,
      currency: item.price.currency,
      description: `${item.quantity ?? 1} × sandbox product (at ${item.price.unit_amount ?? "?"} / ${item.price.recurring?.interval ?? "once"})`,
      discount_amounts: [],
      discountable: true,
      discounts: [],
      invoice: o.id,
      livemode: o.livemode,
      // Stripe copies the subscription's metadata onto its invoice lines as they are made.
      metadata: { ...sub.metadata },
      parent: {
        invoice_item_details: null,
        subscription_item_details: { invoice_item: null, proration: false, proration_details: { credited_items: null }, subscription: sub.id, subscription_item: item.id },
        type: "subscription_item_details",
      },
      period: { end: o.periodEnd, start: o.periodStart },
      pretax_credit_amounts: [],
      pricing: { price_details: { price: item.price.id, product }, type: "price_details", unit_amount_decimal: null },
      quantity: item.quantity ?? 1,
      quantity_decimal: null,
      subscription: sub.id,
      subtotal: amount,
      taxes: [],
    };
  });
  const total = lines.reduce((sum, l) => sum + l.amount, 0);
  return {
    id: o.id,
    object: "invoice",
    account_country: "US",
    account_name: o.account.name,
    account_tax_ids: null,
    amount_due: total,
    amount_overpaid: 0,
    amount_paid: total,
    amount_remaining: 0,
    amount_shipping: 0,
    application: null,
    attempt_count: 1,
    attempted: true,
    auto_advance: false,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
    automatically_finalizes_at: null,
    billing_reason: o.billingReason,
    collection_method: "charge_automatically",
    created: o.created,
    currency: sub.currency,
    custom_fields: null,
    customer: o.customer.id,
    customer_account: null,
    customer_address: null,
    customer_email: o.customer.email,
    customer_name: null,
    customer_phone: null,
    customer_shipping: null,
    customer_tax_exempt: "none",
    customer_tax_ids: [],
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    due_date: null,
    effective_at: o.created,
    ending_balance: 0,
    footer: null,
    from_invoice: null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    issuer: { type: "self" },
    last_finalization_error: null,
    latest_revision: null,
    lines: { object: "list", data: lines, has_more: false, url: `/v1/invoices/${o.id}/lines` },
    livemode: o.livemode,
    metadata: {},
    next_payment_attempt: null,
    number: o.number,
    on_behalf_of: null,
    parent: {
      quote_details: null,
      // Stripe copies subscription_data.metadata here when it makes the invoice: the click id
      // of a subscription bought through the middleware reaches invoice.paid this way.
      subscription_details: { metadata: { ...sub.metadata }, subscription: sub.id },
      type: "subscription_details",
    },
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    period_end: o.periodEnd,
    period_start: o.periodStart,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: 0,
    statement_descriptor: null,
    status: "paid",
    status_transitions: { finalized_at: o.paidAt, marked_uncollectible_at: null, paid_at: o.paidAt, voided_at: null },
    subtotal: total,
    subtotal_excluding_tax: total,
    test_clock: null,
    total,
    total_discount_amounts: [],
    total_excluding_tax: total,
    total_pretax_credit_amounts: [],
    total_taxes: [],
    webhooks_delivered_at: o.created,
  };
}

export function invoicePaymentObject(o: { id: string; invoice: Stripe.Invoice; paymentIntent: string; chargeId: string; paidAt: number }): Stripe.InvoicePayment {
  return {
    id: o.id,
    object: "invoice_payment",
    amount_paid: o.invoice.amount_paid,
    amount_requested: o.invoice.amount_due,
    created: o.paidAt,
    currency: o.invoice.currency,
    invoice: o.invoice.id,
    is_default: true,
    livemode: o.invoice.livemode,
    payment: { charge: o.chargeId, payment_intent: o.paymentIntent, type: "payment_intent" },
    status: "paid",
    status_transitions: { canceled_at: null, paid_at: o.paidAt },
  };
}

export function checkoutSessionObject(o: {
  id: string;
  url: string;
  mode: Stripe.Checkout.Session.Mode;
  amount: number | null;
  currency: string | null;
  customer: string | null;
  customerEmail: string | null;
  clientReferenceId: string | null;
  metadata: Record<string, string>;
  successUrl: string | null;
  cancelUrl: string | null;
  uiMode: Stripe.Checkout.Session.UiMode;
  livemode: boolean;
  created: number;
}): Stripe.Checkout.Session {
  return {
    id: o.id,
    object: "checkout.session",
    adaptive_pricing: null,
    after_expiration: null,
    allow_promotion_codes: null,
    allowed_payment_method_types: null,
    amount_subtotal: o.amount,
    amount_total: o.amount,
    automatic_tax: noAutomaticTax,
    billing_address_collection: null,
    branding_settings: undefined,
    cancel_url: o.cancelUrl,
    client_reference_id: o.clientReferenceId,
    client_secret: null,
    collected_information: null,
    consent: null,
    consent_collection: null,
    created: o.created,
    currency: o.currency,
    currency_conversion: null,
    custom_fields: [],
    custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
    customer: o.customer,
    customer_account: null,
    customer_creation: o.mode === "payment" ? "if_required" : "always",
    customer_details: null,
    customer_email: o.customerEmail,
    discounts: [],
    expires_at: o.created + 24 * 60 * 60,
    integration_identifier: null,
    invoice: null,
    invoice_creation: null,
    livemode: o.livemode,
    locale: null,
    managed_payments: null,
    metadata: { ...o.metadata },
    mode: o.mode,
    origin_context: null,
    payment_intent: null,
    payment_link: null,
    payment_method_collection: o.mode === "payment" ? null : "always",
    payment_method_configuration_details: null,
    payment_method_options: {},
    payment_method_types: ["card"],
    payment_status: o.mode === "setup" ? "no_payment_required" : "unpaid",
    permissions: null,
    recovered_from: null,
    saved_payment_method_options: null,
    setup_intent: null,
    shipping_address_collection: null,
    shipping_cost: null,
    shipping_options: [],
    status: "open",
    submit_type: null,
    subscription: null,
    success_url: o.successUrl,
    total_details: o.amount === null ? null : { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    ui_mode: o.uiMode,
    url: o.url,
    wallet_options: null,
  };
}
