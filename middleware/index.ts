// The public surface of `@icodrip/middleware` (re-exported as `icodrip/middleware`); the README's
// "Wrap Stripe Checkout" shows it in use.

export type { Referral } from "./referral-format.js";
export { parseReferral } from "./parse-referral.js";
export { withReferral, CLICK_METADATA_KEY, type CheckoutSessionParams, type MetadataParam } from "./with-referral.js";
export { currentReferral, runWithReferral } from "./context.js";
export {
  referral,
  REFERRAL_COOKIE,
  REFERRAL_HEADER,
  type ReferralOptions,
  type ReferralRequest,
  type ReferralMiddleware,
} from "./express.js";
export { wrapStripe, type CheckoutSessionsClient } from "./wrap-stripe.js";
