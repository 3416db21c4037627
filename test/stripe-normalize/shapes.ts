import { readFileSync } from "node:fs";
import { join } from "node:path";

// Stripe objects for the normalisation tests: stripe-mock fixtures (test/fixtures/stripe, see its
// README) reshaped the way a given API version renders them, wrapped in an event envelope.

type Obj = Record<string, unknown>;

export const fixture = (name: string): Obj => JSON.parse(readFileSync(join(import.meta.dirname, "..", "fixtures", "stripe", name), "utf8")) as Obj;

/** One version per family edge Icodrip reads, oldest first. */
export const VERSIONS = [
  "2023-10-16",
  "2024-04-10",
  "2024-06-20",
  "2024-09-30.acacia",
  "2025-02-24.acacia",
  "2025-03-31.basil",
  "2025-08-27.basil",
  "2025-09-30.clover",
  "2026-02-25.clover",
  "2026-03-25.dahlia",
  "2026-08-26.dahlia",
  "2026-09-30.endive",
  "2026-10-28.endive",
] as const;

export const isBasilOrLater = (version: string) => version.slice(0, 10) >= "2025-03-31";

export function envelope(type: string, object: Obj, o: { id?: string; apiVersion?: string | null; account?: string; livemode?: boolean; created?: number } = {}): Obj {
  return {
    id: o.id ?? "evt_test_1",
    object: "event",
    ...(o.account ? { account: o.account } : {}),
    api_version: o.apiVersion === undefined ? "2026-10-28.endive" : o.apiVersion,
    created: o.created ?? 1_780_000_000,
    data: { object },
    livemode: o.livemode ?? false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
  };
}

export function paidSession(over: Obj = {}): Obj {
  return {
    ...fixture("openapi-fixtures3.checkout.session.json"),
    id: "cs_test_1",
    amount_total: 10_000,
    amount_subtotal: 10_000,
    currency: "usd",
    payment_status: "paid",
    status: "complete",
    client_reference_id: "icd_abc",
    metadata: { icodrip_click: "icd_abc" },
    customer: "cus_1",
    created: 1_779_999_000,
    ...over,
  };
}

export interface InvoiceParts {
  subscription?: unknown;
  subscriptionMetadata?: Obj | null;
  paymentIntent?: unknown;
  charge?: unknown;
  /** basil+: the Invoice.payments list, which webhook payloads leave out unless expanded */
  payments?: Obj[];
}

/** A paid subscription invoice as `version` renders it. */
export function paidInvoice(version: string, parts: InvoiceParts = {}, over: Obj = {}): Obj {
  const base = fixture("openapi-fixtures3.invoice.json");
  delete base.subscription;
  delete base.parent;
  const common = {
    ...base,
    id: "in_test_1",
    status: "paid",
    amount_paid: 2_000,
    amount_due: 2_000,
    amount_remaining: 0,
    billing_reason: "subscription_cycle",
    customer_email: "Buyer@Example.com",
    status_transitions: { finalized_at: 1_780_000_000, marked_uncollectible_at: null, paid_at: 1_780_000_100, voided_at: null },
  };
  const subscription = parts.subscription === undefined ? "sub_1" : parts.subscription;
  const metadata = parts.subscriptionMetadata === undefined ? { icodrip_click: "icd_sub" } : parts.subscriptionMetadata;
  if (!isBasilOrLater(version)) {
    return {
      ...common,
      subscription,
      subscription_details: { metadata },
      payment_intent: parts.paymentIntent === undefined ? "pi_1" : parts.paymentIntent,
      charge: parts.charge === undefined ? "ch_1" : parts.charge,
      paid: true,
      paid_out_of_band: false,
      ...over,
    };
  }
  return {
    ...common,
    parent: { quote_details: null, subscription_details: { metadata, subscription }, type: "subscription_details" },
    ...(parts.payments ? { payments: { object: "list", data: parts.payments, has_more: false, url: "/v1/invoice_payments" } } : {}),
    ...over,
  };
}

/** An InvoicePayment as Invoice.payments.data[] holds it (basil+). */
export function invoicePayment(o: { status?: string; isDefault?: boolean; paymentIntent?: unknown; charge?: unknown; type?: string }): Obj {
  const payment: Obj = { type: o.type ?? (o.charge !== undefined ? "charge" : "payment_intent") };
  if (o.paymentIntent !== undefined) payment.payment_intent = o.paymentIntent;
  if (o.charge !== undefined) payment.charge = o.charge;
  return { ...fixture("openapi-fixtures3.invoice_payment.json"), id: "inpay_1", currency: "usd", invoice: "in_test_1", status: o.status ?? "paid", is_default: o.isDefault ?? true, payment };
}

/** A refunded charge as `version` renders it: Charge.invoice exists only before basil. */
export function refundedCharge(version: string, over: Obj = {}): Obj {
  const base = fixture("openapi-fixtures3.charge.json");
  delete base.invoice;
  return {
    ...base,
    id: "ch_1",
    amount: 10_000,
    amount_refunded: 2_500,
    refunded: false,
    currency: "usd",
    payment_intent: "pi_1",
    ...(isBasilOrLater(version) ? {} : { invoice: "in_test_1" }),
    ...over,
  };
}

export function dispute(over: Obj = {}): Obj {
  return { ...fixture("openapi-fixtures3.dispute.json"), payment_intent: "pi_1", ...over };
}
