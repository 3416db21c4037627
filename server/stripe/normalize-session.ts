import type Stripe from "stripe";
import { normalizeEmail } from "../domain/email.js";
import type { Fields } from "./normalize-fields.js";
import type { Normalized, PromoRef, Promotions } from "./normalize-types.js";

const MODES = ["payment", "subscription", "setup"] as const;
const PAYMENT_STATUSES = ["paid", "unpaid", "no_payment_required"] as const;

const oneOf = <T extends string>(values: readonly T[], v: string): v is T => (values as readonly string[]).includes(v);

/**
 * checkout.session.completed / async_payment_succeeded. A Checkout Session renders the same in
 * every version Icodrip reads. Stripe may add modes and payment statuses (stripe-node types
 * them as open enums); one Icodrip does not know is ignored with a reason, not rejected.
 */
export function readCheckoutSession(o: Fields<Stripe.Checkout.Session>, eventType: string): Normalized {
  const id = o.string("id");
  const mode = o.string("mode");
  const paymentStatus = o.string("payment_status");
  if (!oneOf(MODES, mode)) return { type: "ignored", reason: `Checkout Session ${id} has mode "${mode}", which Icodrip does not count.` };
  if (!oneOf(PAYMENT_STATUSES, paymentStatus)) {
    return { type: "ignored", reason: `Checkout Session ${id} has payment status "${paymentStatus}", which Icodrip does not count.` };
  }
  // Only a paid session is counted, so only there must the money be readable; an unpaid one
  // (a delayed payment method) or a setup session may carry a null amount and currency.
  const counted = paymentStatus === "paid";
  const customerDetails = o.object("customer_details");
  return {
    type: "checkout_session",
    eventType,
    session: {
      id,
      mode,
      paymentStatus,
      amountTotal: counted ? o.count("amount_total") : (o.optCount("amount_total") ?? 0),
      currency: (counted ? o.string("currency") : (o.optString("currency") ?? "")).toLowerCase(),
      clientReferenceId: o.optString("client_reference_id"),
      metadataClickId: o.metadata("metadata", "icodrip_click"),
      email: normalizeEmail(customerDetails?.optString("email") ?? o.optString("customer_email")),
      customerId: o.ref("customer"),
      subscriptionId: o.ref("subscription"),
      paymentIntentId: o.ref("payment_intent"),
      invoiceId: o.ref("invoice"),
      promotions: sessionPromotions(o),
      created: o.count("created") * 1000,
    },
  };
}

/**
 * Session.discounts[].promotion_code is rendered from API version 2025-01-27 on (stripe-node's
 * CHANGELOG: "Add support for `discounts` on `Checkout.Session`"); before it only
 * total_details.amount_discount says a discount was applied, and which code only
 * total_details.breakdown, which webhook payloads never include, tells.
 */
function sessionPromotions(o: Fields<Stripe.Checkout.Session>): Promotions {
  if (o.has("discounts")) return { codes: promoRefs(o.list<Stripe.Checkout.Session.Discount>("discounts")), unread: false };
  const discounted = (o.object("total_details")?.optCount("amount_discount") ?? 0) > 0;
  return { codes: [], unread: discounted };
}

/** The promotion codes of discount entries ({promotion_code: id | object | null}). */
export function promoRefs(discounts: Fields<{ promotion_code: unknown }>[]): PromoRef[] {
  const refs: PromoRef[] = [];
  for (const d of discounts) {
    const id = d.ref("promotion_code");
    if (!id || refs.some((r) => r.id === id)) continue;
    const expanded = d.expanded("promotion_code");
    refs.push({ id, code: expanded?.optString("code") ?? null });
  }
  return refs;
}
