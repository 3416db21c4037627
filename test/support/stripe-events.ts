import { readFileSync } from "node:fs";
import { join } from "node:path";
import Stripe from "stripe";

// Stripe events for tests: real object shapes (stripe-mock fixtures from stripe/openapi, copied
// into test/fixtures/stripe) with the fields a scenario needs set, wrapped in an event envelope
// and signed the way Stripe signs deliveries.

const fixture = (name: string) => JSON.parse(readFileSync(join(import.meta.dirname, "..", "fixtures", "stripe", name), "utf8"));

export const API_VERSION = "2026-10-28.endive";
let counter = 0;
const uid = (prefix: string) => `${prefix}_${Date.now().toString(36)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 8)}`;

export interface Envelope {
  id?: string;
  account?: string;
  livemode?: boolean;
  api_version?: string;
  created?: number;
}

export function event(type: string, object: object, env: Envelope = {}) {
  return {
    id: env.id ?? uid("evt"),
    object: "event",
    ...(env.account ? { account: env.account } : {}),
    api_version: env.api_version ?? API_VERSION,
    created: env.created ?? Math.floor(Date.now() / 1000),
    data: { object },
    livemode: env.livemode ?? false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
  };
}

export function checkoutSession(o: {
  mode?: "payment" | "subscription";
  amount?: number;
  currency?: string;
  clientReferenceId?: string | null;
  metadata?: Record<string, string>;
  email?: string | null;
  customer?: string | null;
  subscription?: string | null;
  paymentIntent?: string | null;
  paymentStatus?: "paid" | "unpaid" | "no_payment_required";
  created?: number;
  livemode?: boolean;
}) {
  const base = fixture("openapi-fixtures3.checkout.session.json");
  const mode = o.mode ?? "payment";
  return {
    ...base,
    id: uid("cs_test"),
    mode,
    amount_total: o.amount ?? 10_000,
    amount_subtotal: o.amount ?? 10_000,
    currency: o.currency ?? "usd",
    client_reference_id: o.clientReferenceId ?? null,
    metadata: o.metadata ?? {},
    customer: o.customer ?? null,
    customer_email: null,
    customer_details: { ...base.customer_details, email: o.email ?? null },
    payment_intent: mode === "payment" ? (o.paymentIntent ?? uid("pi")) : null,
    subscription: mode === "subscription" ? (o.subscription ?? uid("sub")) : null,
    payment_status: o.paymentStatus ?? "paid",
    status: "complete",
    created: o.created ?? Math.floor(Date.now() / 1000),
    livemode: o.livemode ?? false,
  };
}

/** An Invoice as API versions from basil on render it (subscription under parent). */
export function invoice(o: {
  amountPaid: number;
  currency?: string;
  billingReason?: "subscription_create" | "subscription_cycle" | "manual";
  customer: string;
  subscription: string;
  metadata?: Record<string, string>;
  email?: string | null;
  paidAt?: number;
  paymentIntent?: string;
  /** Stripe leaves Invoice.payments out of webhook payloads unless expanded; default: included */
  withPayments?: boolean;
}) {
  const base = fixture("openapi-fixtures3.invoice.json");
  const { subscription: _legacy, ...rest } = base;
  const paidAt = o.paidAt ?? Math.floor(Date.now() / 1000);
  return {
    ...rest,
    id: uid("in"),
    amount_paid: o.amountPaid,
    amount_due: o.amountPaid,
    currency: o.currency ?? "usd",
    billing_reason: o.billingReason ?? "subscription_create",
    customer: o.customer,
    customer_email: o.email ?? null,
    status: "paid",
    created: paidAt,
    status_transitions: { finalized_at: paidAt, paid_at: paidAt, marked_uncollectible_at: null, voided_at: null },
    parent: {
      type: "subscription_details",
      quote_details: null,
      subscription_details: { subscription: o.subscription, metadata: o.metadata ?? {} },
    },
    payments: o.withPayments === false ? undefined : {
      object: "list",
      data: [
        {
          id: uid("inpay"),
          object: "invoice_payment",
          amount_paid: o.amountPaid,
          currency: o.currency ?? "usd",
          invoice: "in_x",
          is_default: true,
          livemode: false,
          status: "paid",
          payment: { type: "payment_intent", payment_intent: o.paymentIntent ?? uid("pi") },
        },
      ],
      has_more: false,
      url: "/v1/invoice_payments",
    },
  };
}

export function charge(o: { amount: number; amountRefunded: number; currency?: string; paymentIntent: string | null; id?: string }) {
  const base = fixture("openapi-fixtures3.charge.json");
  return {
    ...base,
    id: o.id ?? uid("ch"),
    amount: o.amount,
    amount_captured: o.amount,
    amount_refunded: o.amountRefunded,
    refunded: o.amountRefunded >= o.amount,
    currency: o.currency ?? "usd",
    payment_intent: o.paymentIntent,
  };
}

/** Signs a payload like Stripe does (t=…,v1=…). */
export function sign(payload: string, secret: string, timestamp = Math.floor(Date.now() / 1000)): string {
  return Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });
}

export async function deliver(url: string, evt: object, secret: string, options: { timestamp?: number } = {}) {
  const payload = JSON.stringify(evt);
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", "stripe-signature": sign(payload, secret, options.timestamp) },
    body: payload,
  });
  return { status: res.status, body: (await res.json()) };
}

export function invoicePayment(o: { invoice: string; paymentIntent: string; amount: number; currency?: string }) {
  const base = fixture("openapi-fixtures3.invoice_payment.json");
  return {
    ...base,
    id: uid("inpay"),
    invoice: o.invoice,
    amount_paid: o.amount,
    amount_requested: o.amount,
    currency: o.currency ?? "usd",
    status: "paid",
    payment: { type: "payment_intent", payment_intent: o.paymentIntent },
    status_transitions: { canceled_at: null, paid_at: Math.floor(Date.now() / 1000) },
  };
}
