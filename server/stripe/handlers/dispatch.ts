import type { Ledger, ReadHints } from "../../store/ledger.js";
import type { Normalized } from "../normalize.js";
import { handleChargeRefunded } from "./charge-refunded.js";
import { handleCheckoutSession } from "./checkout-session.js";
import { handleDeauthorized } from "./deauthorized.js";
import { handleDispute } from "./dispute.js";
import { handleInvoicePaid } from "./invoice-paid.js";
import { handleInvoicePaymentPaid } from "./invoice-payment-paid.js";
import type { EventInfo, Outcome } from "./types.js";

/** One handler per kind of event; each answers what became of it in one sentence. */
export function dispatch(ledger: Ledger, event: EventInfo, data: Normalized, now: number): Promise<Outcome> {
  switch (data.type) {
    case "checkout_session":
      return handleCheckoutSession({ ledger, event, data: data.session, now });
    case "invoice_paid":
      return handleInvoicePaid({ ledger, event, data: data.invoice, now });
    case "invoice_payment":
      return handleInvoicePaymentPaid({ ledger, event, data: data.payment, now });
    case "charge_refunded":
      return handleChargeRefunded({ ledger, event, data: data.charge, now });
    case "dispute":
      return handleDispute({ ledger, event, data: data.dispute, now });
    case "deauthorized":
      return handleDeauthorized({ ledger, event, data: null, now });
    case "ignored":
      return Promise.resolve({ outcome: "ignored", message: data.reason });
  }
}

/**
 * What the handler of `data` will look up first, so the store can fetch it in the same round trip
 * as the event's own record (Store.recordEventOnce's readAhead). Only a hint: a handler reads
 * what it needs either way, and what it does not read is not checked at commit.
 */
export function readHints(data: Normalized): ReadHints {
  const none: ReadHints = { clickIds: [], paymentIds: [], billingIds: [], invoiceIds: [] };
  switch (data.type) {
    case "checkout_session": {
      const s = data.session;
      return { ...none, clickIds: [s.clientReferenceId, s.metadataClickId], paymentIds: [s.id, s.paymentIntentId, s.invoiceId], billingIds: [s.subscriptionId, s.customerId] };
    }
    case "invoice_paid": {
      const i = data.invoice;
      return { clickIds: [i.metadataClickId], paymentIds: [i.id, i.paymentIntentId, i.chargeId], billingIds: [i.subscriptionId, i.customerId], invoiceIds: [i.id] };
    }
    case "invoice_payment":
      return { ...none, paymentIds: [data.payment.invoiceId, data.payment.paymentIntentId, data.payment.chargeId] };
    case "charge_refunded":
      return { ...none, paymentIds: [data.charge.id, data.charge.paymentIntentId, data.charge.invoiceId] };
    case "dispute":
      return { ...none, paymentIds: [data.dispute.chargeId, data.dispute.paymentIntentId] };
    default:
      return none;
  }
}
