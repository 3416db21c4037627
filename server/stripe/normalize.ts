import type Stripe from "stripe";
import { ICODRIP_EVENTS } from "./connect/events.js";
import { Fields, MalformedField } from "./normalize-fields.js";
import { parseEnvelope, type Envelope } from "./normalize-envelope.js";
import { readCharge } from "./normalize-charge.js";
import { readDispute } from "./normalize-dispute.js";
import { readInvoice } from "./normalize-invoice.js";
import { readInvoicePayment } from "./normalize-invoice-payment.js";
import { readCheckoutSession } from "./normalize-session.js";
import type { Normalized, NormalizedEvent, NormalizeResult } from "./normalize-types.js";
import { checkApiVersion, type ApiVersion } from "./normalize-version.js";

export type * from "./normalize-types.js";

// The one door from a Stripe webhook body to Icodrip: whatever API version rendered it, an
// event comes out as the same small shape, or as a refusal whose message says what to fix.
//
// Order of checks: the envelope first (without it nothing can be said); then the type, because
// an event Icodrip does not act on needs no reading, whatever its version; then the version,
// because the fields of the object depend on it. A deauthorization is read at any version: it
// carries nothing version-dependent, and missing a disconnection is worse than reading it.

const PAYMENT_EVENTS = new Set<string>(ICODRIP_EVENTS.filter((type) => type !== "account.application.deauthorized"));

export function normalizeEvent(body: unknown): NormalizeResult {
  const parsed = parseEnvelope(body);
  if (!parsed.ok) return { ok: false, code: "malformed_event", message: parsed.message };
  const e = parsed.envelope;
  const event: NormalizedEvent = {
    id: e.id,
    type: e.type,
    accountId: e.account ?? null,
    livemode: e.livemode,
    apiVersion: e.api_version ?? null,
    created: e.created * 1000,
  };

  if (e.type === "account.application.deauthorized") return { ok: true, event, data: { type: "deauthorized" } };
  if (!PAYMENT_EVENTS.has(e.type)) return { ok: true, event, data: { type: "ignored", reason: `Icodrip does not act on ${e.type} events; nothing to do.` } };

  const version = checkApiVersion(e.api_version, e.id);
  if (!version.ok) return { ok: false, code: "unsupported_api_version", message: version.message };

  try {
    return { ok: true, event, data: read(e, version.version, event.created) };
  } catch (error) {
    if (!(error instanceof MalformedField)) throw error;
    return {
      ok: false,
      code: "malformed_event",
      message: `Event ${e.id} (${e.type}, API version ${version.version.raw}) cannot be read: ${error.message}. Check that nothing between Stripe and Icodrip rewrites webhook bodies.`,
    };
  }
}

function read(e: Envelope, version: ApiVersion, createdMs: number): Normalized {
  const object = <T>() => Fields.of<T>(e.data.object, "data.object");
  switch (e.type) {
    case "checkout.session.completed":
    case "checkout.session.async_payment_succeeded":
      return readCheckoutSession(object<Stripe.Checkout.Session>(), e.type);
    case "invoice.paid":
      return { type: "invoice_paid", invoice: readInvoice(object<Stripe.Invoice>(), version, createdMs) };
    case "invoice_payment.paid":
      return { type: "invoice_payment", payment: readInvoicePayment(object<Stripe.InvoicePayment>()) };
    case "charge.refunded":
      return { type: "charge_refunded", charge: readCharge(object<Stripe.Charge>(), version) };
    case "charge.dispute.created":
    case "charge.dispute.closed":
      return { type: "dispute", dispute: readDispute(object<Stripe.Dispute>(), e.type) };
    default:
      throw new Error(`normalizeEvent lists ${e.type} as a payment event but has no reader for it`);
  }
}
