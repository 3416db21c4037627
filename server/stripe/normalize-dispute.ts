import type Stripe from "stripe";
import type { Fields } from "./normalize-fields.js";
import type { NormalizedDispute } from "./normalize-types.js";

// Statuses a dispute ends in. The others (needs_response, under_review, their warning_ and
// appeal_ variants) are still open, as is any status Stripe adds later until the closed event.
const FINAL_STATUSES = new Set(["won", "lost", "warning_closed", "prevented"]);

/** charge.dispute.created / charge.dispute.closed. */
export function readDispute(o: Fields<Stripe.Dispute>, eventType: string): NormalizedDispute {
  const status = o.string("status");
  return {
    id: o.string("id"),
    chargeId: o.requiredRef("charge"),
    paymentIntentId: o.ref("payment_intent"),
    status,
    closed: eventType === "charge.dispute.closed" || FINAL_STATUSES.has(status),
  };
}
