import type Stripe from "stripe";

type EnabledEvent = Stripe.WebhookEndpointCreateParams.EnabledEvent;

/** The events Icodrip turns into conversions, reversals and disconnections. */
export const ICODRIP_EVENTS = [
  "checkout.session.completed",
  "checkout.session.async_payment_succeeded",
  "invoice.paid",
  "invoice_payment.paid",
  "charge.refunded",
  "charge.dispute.created",
  "charge.dispute.closed",
  "account.application.deauthorized",
] as const satisfies readonly EnabledEvent[];

// Stripe sends account.application.deauthorized "to the related application only": it reaches a
// platform's Connect endpoint, never an endpoint on the merchant's own account, so a
// restricted-key endpoint does not ask for it.
const PLATFORM_ONLY: readonly string[] = ["account.application.deauthorized"];

/** What the platform's Connect endpoint listens for. */
export const connectEndpointEvents = (): EnabledEvent[] => [...ICODRIP_EVENTS];

/** What an endpoint on a merchant's own account (restricted-key connection) listens for. */
export const accountEndpointEvents = (): EnabledEvent[] => ICODRIP_EVENTS.filter((e) => !PLATFORM_ONLY.includes(e));
