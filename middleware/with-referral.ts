// Puts a referral into Checkout Session create params. The click id goes to three places because
// each later Stripe object Icodrip sees keeps only its own metadata: the session (checkout.session.
// completed), the subscription (its invoices, for recurring commission) or the payment intent (its
// charges, for refunds).

import type Stripe from "stripe";
import { isClickId, isPlausibleEmail, type Referral } from "./referral-format.js";

type SessionCreateParams = Stripe.Checkout.SessionCreateParams;

export const CLICK_METADATA_KEY = "icodrip_click";

export function withReferral(params: SessionCreateParams, referral: Referral | null | undefined): SessionCreateParams {
  const next: SessionCreateParams = { ...params };
  // Re-checked here because callers outside `referral()` may build the object themselves, and Stripe
  // rejects the whole session over one malformed field.
  if (!referral || !isClickId(referral.clickId)) return next;
  const clickId = referral.clickId;

  // The merchant's own use of these fields outranks attribution: metadata still carries the click.
  if (!isSet(params.client_reference_id)) next.client_reference_id = clickId;
  if (!isSet(params.customer_email) && !hasCustomer(params) && isPlausibleEmail(referral.email)) {
    next.customer_email = referral.email;
  }

  next.metadata = tagged(params.metadata, clickId);
  // An absent mode is a payment session at Stripe. Any other mode (setup, or one newer than this
  // code) gets no sub-object, since Stripe refuses data for an object the mode does not create.
  const mode = params.mode ?? "payment";
  if (mode === "subscription") {
    next.subscription_data = { ...params.subscription_data, metadata: tagged(params.subscription_data?.metadata, clickId) };
  } else if (mode === "payment") {
    next.payment_intent_data = { ...params.payment_intent_data, metadata: tagged(params.payment_intent_data?.metadata, clickId) };
  }
  return next;
}

// Stripe treats an empty string as "not provided", so the merchant set nothing in that case.
function isSet(value: string | null | undefined): boolean {
  return value != null && value !== "";
}

// Stripe documents `customer_account` (an Accounts v2 customer) as behaving like `customer`, so it
// rules out `customer_email` the same way.
function hasCustomer(params: SessionCreateParams): boolean {
  return isSet(params.customer) || isSet(params.customer_account);
}

// A key the merchant already wrote is theirs to keep, like client_reference_id.
function tagged(metadata: Stripe.MetadataParam | undefined, clickId: string): Stripe.MetadataParam {
  const existing = metadata?.[CLICK_METADATA_KEY];
  return { ...metadata, [CLICK_METADATA_KEY]: existing != null && existing !== "" ? existing : clickId };
}
