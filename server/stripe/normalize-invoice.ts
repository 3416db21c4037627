import type Stripe from "stripe";
import { normalizeEmail } from "../domain/email.js";
import type { Fields } from "./normalize-fields.js";
import type { NormalizedInvoice, Promotions } from "./normalize-types.js";
import { promoRefs } from "./normalize-session.js";
import type { ApiVersion } from "./normalize-version.js";

const CLICK_KEY = "icodrip_click";

/**
 * invoice.paid. Where the subscription, its metadata and the payment sit depends on the API
 * version (see normalize-version.ts): top-level fields before basil, Invoice.parent and
 * Invoice.payments from basil on.
 */
export function readInvoice(o: Fields<Stripe.Invoice>, version: ApiVersion, eventCreatedMs: number): NormalizedInvoice {
  const links = version.basilOrLater ? fromParents(o) : fromTopLevel(o.legacy());
  const paidAt = o.object("status_transitions")?.optCount("paid_at");
  return {
    id: o.string("id"),
    amountPaid: o.count("amount_paid"),
    currency: o.string("currency").toLowerCase(),
    billingReason: o.optString("billing_reason"),
    customerId: o.ref("customer"),
    subscriptionId: links.subscriptionId,
    email: normalizeEmail(o.optString("customer_email")),
    // The middleware puts the click id in subscription_data.metadata, which Stripe copies into
    // the invoice's subscription details; the invoice's own and its lines' metadata are
    // fallbacks for invoices made some other way.
    metadataClickId: links.subscriptionClickId ?? o.metadata("metadata", CLICK_KEY) ?? clickInLines(o),
    paymentIntentId: links.paymentIntentId,
    chargeId: links.chargeId,
    promotions: invoicePromotions(o),
    paidAt: paidAt != null ? paidAt * 1000 : eventCreatedMs,
  };
}

interface Links {
  subscriptionId: string | null;
  subscriptionClickId: string | null;
  paymentIntentId: string | null;
  chargeId: string | null;
}

function fromTopLevel(o: Fields): Links {
  return {
    subscriptionId: o.ref("subscription"),
    subscriptionClickId: o.object("subscription_details")?.metadata("metadata", CLICK_KEY) ?? null,
    paymentIntentId: o.ref("payment_intent"),
    chargeId: o.ref("charge"),
  };
}

function fromParents(o: Fields<Stripe.Invoice>): Links {
  const details = o.object("parent")?.object("subscription_details") ?? null;
  const payment = paidPayment(o.list<Stripe.InvoicePayment>("payments"));
  return {
    subscriptionId: details?.ref("subscription") ?? null,
    subscriptionClickId: details?.metadata("metadata", CLICK_KEY) ?? null,
    paymentIntentId: payment?.ref("payment_intent") ?? null,
    chargeId: payment?.ref("charge") ?? null,
  };
}

// An invoice can be paid in parts, and a conversion keeps the ids of one payment: the default
// one (created with the invoice) when it is paid, else the first paid part. Canceled and open
// attempts never moved money, so their ids would only mislead refund matching.
function paidPayment(payments: Fields<Stripe.InvoicePayment>[]) {
  const paid = payments.filter((p) => p.optString("status") === "paid");
  const chosen = paid.find((p) => p.optBool("is_default") === true) ?? paid.at(0);
  return chosen?.object("payment") ?? null;
}

function clickInLines(o: Fields<Stripe.Invoice>): string | null {
  for (const line of o.list<Stripe.InvoiceLineItem>("lines")) {
    const id = line.metadata("metadata", CLICK_KEY);
    if (id) return id;
  }
  return null;
}

/**
 * Invoice.discounts, in every version Icodrip reads: Discount ids (di_…) unless expanded, so a
 * discounted invoice's codes are read from Stripe with expand; an expanded Discount names its
 * promotion_code (an id, or the object when expanded further).
 */
function invoicePromotions(o: Fields<Stripe.Invoice>): Promotions {
  const entries = o.refList<Stripe.Discount>("discounts");
  const expanded = entries.filter((e) => typeof e !== "string");
  return { codes: promoRefs(expanded), unread: expanded.length < entries.length };
}
