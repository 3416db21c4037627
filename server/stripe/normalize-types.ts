// What Icodrip keeps of a Stripe event: the few fields its handlers act on, the same shape
// whichever API version Stripe rendered the event in. Times are epoch milliseconds, amounts
// minor units, currencies lowercase, emails trimmed and lowercased.

/** A promotion code a payment's discounts name: Stripe's promo_… id, and its text when known. */
export interface PromoRef {
  id: string;
  /** the text customers type; null until read from Stripe (webhook payloads carry only the id) */
  code: string | null;
}

/**
 * The promotion codes a payment used, as far as its payload tells: `unread` is true when it
 * shows a discount without naming its code (a Checkout Session rendered before 2025-01-27, an
 * invoice whose discounts are ids), so Stripe must be asked, outside the store's transaction.
 */
export interface Promotions {
  codes: PromoRef[];
  unread: boolean;
}

export interface NormalizedSession {
  id: string;
  mode: "payment" | "subscription" | "setup";
  paymentStatus: "paid" | "unpaid" | "no_payment_required";
  /** 0 when Stripe sends null, which it may only for a session that is not paid */
  amountTotal: number;
  /** "" when Stripe sends null, which it may only for a session that is not paid */
  currency: string;
  clientReferenceId: string | null;
  metadataClickId: string | null;
  email: string | null;
  customerId: string | null;
  subscriptionId: string | null;
  paymentIntentId: string | null;
  invoiceId: string | null;
  promotions: Promotions;
  /** when the session was created (ms) */
  created: number;
}

export interface NormalizedInvoice {
  id: string;
  amountPaid: number;
  currency: string;
  billingReason: string | null;
  customerId: string | null;
  subscriptionId: string | null;
  email: string | null;
  metadataClickId: string | null;
  /** null from API version basil on when the payload does not include Invoice.payments */
  paymentIntentId: string | null;
  chargeId: string | null;
  promotions: Promotions;
  /** status_transitions.paid_at, else the event's creation time (ms) */
  paidAt: number;
}

export interface NormalizedCharge {
  id: string;
  paymentIntentId: string | null;
  /** Charge.invoice, which only API versions before basil render */
  invoiceId: string | null;
  amount: number;
  /** cumulative, as Stripe reports it */
  amountRefunded: number;
  currency: string;
}

export interface NormalizedInvoicePayment {
  id: string;
  invoiceId: string;
  paymentIntentId: string | null;
  chargeId: string | null;
}

export interface NormalizedDispute {
  id: string;
  chargeId: string;
  paymentIntentId: string | null;
  status: string;
  /** won, lost, warning_closed or prevented, or delivered as charge.dispute.closed */
  closed: boolean;
}

export type Normalized =
  | { type: "checkout_session"; eventType: string; session: NormalizedSession }
  | { type: "invoice_paid"; invoice: NormalizedInvoice }
  | { type: "invoice_payment"; payment: NormalizedInvoicePayment }
  | { type: "charge_refunded"; charge: NormalizedCharge }
  | { type: "dispute"; dispute: NormalizedDispute }
  | { type: "deauthorized" }
  | { type: "ignored"; reason: string };

export interface NormalizedEvent {
  id: string;
  type: string;
  /** the connected account the event happened on; null for the endpoint's own account */
  accountId: string | null;
  livemode: boolean;
  apiVersion: string | null;
  /** ms */
  created: number;
}

export type NormalizeFailure = { ok: false; code: "unsupported_api_version" | "malformed_event"; message: string };

export type NormalizeResult = { ok: true; event: NormalizedEvent; data: Normalized } | NormalizeFailure;
