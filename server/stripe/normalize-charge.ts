import type Stripe from "stripe";
import type { Fields } from "./normalize-fields.js";
import type { NormalizedCharge } from "./normalize-types.js";
import type { ApiVersion } from "./normalize-version.js";

/** charge.refunded. amount_refunded is the running total, which is what refunds are computed from. */
export function readCharge(o: Fields<Stripe.Charge>, version: ApiVersion): NormalizedCharge {
  return {
    id: o.string("id"),
    paymentIntentId: o.ref("payment_intent"),
    // basil removed Charge.invoice; before it, the field ties a subscription's refund to its invoice.
    invoiceId: version.basilOrLater ? null : o.legacy().ref("invoice"),
    amount: o.count("amount"),
    amountRefunded: o.count("amount_refunded"),
    currency: o.string("currency").toLowerCase(),
  };
}
