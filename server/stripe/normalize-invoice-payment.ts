import type Stripe from "stripe";
import type { Fields } from "./normalize-fields.js";
import type { NormalizedInvoicePayment } from "./normalize-types.js";

/**
 * invoice_payment.paid: from API version basil on, the only webhook that ties an invoice to the
 * PaymentIntent and Charge that paid it (invoice.paid leaves Invoice.payments out, and Charge has
 * no invoice), which a later charge.refunded needs to find the invoice's conversion.
 */
export function readInvoicePayment(o: Fields<Stripe.InvoicePayment>): NormalizedInvoicePayment {
  const payment = o.object("payment");
  return {
    id: o.string("id"),
    invoiceId: o.requiredRef("invoice"),
    paymentIntentId: payment?.ref("payment_intent") ?? null,
    chargeId: payment?.ref("charge") ?? null,
  };
}
