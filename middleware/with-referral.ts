// Puts a referral into Checkout Session create params. The click id goes to three places because
// each later Stripe object Icodrip sees keeps only its own metadata: the session (checkout.session.
// completed), the subscription (its invoices, for recurring commission) or the payment intent (its
// charges, for refunds).

import { isClickId, isPlausibleEmail, type Referral } from "./referral-format.js";

export const CLICK_METADATA_KEY = "icodrip_click";

// Stripe's metadata values: strings, numbers, or null to delete a key.
export type MetadataParam = { [key: string]: string | number | null };

// Only the Checkout Session create fields this code reads or writes, described structurally so the
// package never imports `stripe`: the merchant's own `Stripe.Checkout.SessionCreateParams`, of
// whichever stripe-node version they use, fits, and `withReferral` hands back that same type.
export interface CheckoutSessionParams {
  client_reference_id?: string;
  customer_email?: string;
  customer?: string;
  customer_account?: string;
  metadata?: MetadataParam;
  mode?: string;
  subscription_data?: { metadata?: MetadataParam };
  payment_intent_data?: { metadata?: MetadataParam };
}

export function withReferral<P extends CheckoutSessionParams>(params: P, referral: Referral | null | undefined): P {
  // Built as the structural type and handed back as P: only the fields above are added or replaced,
  // each with a value of the type the merchant's params already declare for it.
  const next: CheckoutSessionParams = { ...params };
  // Re-checked here because callers outside `referral()` may build the object themselves, and Stripe
  // rejects the whole session over one malformed field.
  if (!referral || !isClickId(referral.clickId)) return next as P;
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
  return next as P;
}

// Stripe treats an empty string as "not provided", so the merchant set nothing in that case.
function isSet(value: string | null | undefined): boolean {
  return value != null && value !== "";
}

// Stripe documents `customer_account` (an Accounts v2 customer) as behaving like `customer`, so it
// rules out `customer_email` the same way.
function hasCustomer(params: CheckoutSessionParams): boolean {
  return isSet(params.customer) || isSet(params.customer_account);
}

// A key the merchant already wrote is theirs to keep, like client_reference_id.
function tagged(metadata: MetadataParam | undefined, clickId: string): MetadataParam {
  const existing = metadata?.[CLICK_METADATA_KEY];
  return { ...metadata, [CLICK_METADATA_KEY]: existing != null && existing !== "" ? existing : clickId };
}
