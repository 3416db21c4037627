import type { Ledger } from "../../store/ledger.js";
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
