// Which Stripe API versions Icodrip reads, and which shape of an object each one renders.
//
// Facts relied on (Stripe API changelog, docs.stripe.com/changelog, and stripe-node's CHANGELOG):
// - 2025-03-31.basil "Adds new parent field to invoicing objects": Invoice.subscription and
//   Invoice.subscription_details moved to Invoice.parent.subscription_details.{subscription,
//   metadata}.
// - 2025-03-31.basil "Adds support for multiple (partial) payments on invoices": Invoice lost
//   payment_intent, charge and paid; Charge and PaymentIntent lost invoice; the payments now
//   live in Invoice.payments.data[].payment.{payment_intent,charge}, which webhook payloads
//   do not include unless expanded.
// - Families after basil change nothing Icodrip reads: clover from 2025-09-30 (stripe-node
//   19.0.0), dahlia from 2026-03-25 (stripe-node 21.0.0; its Decimal change is SDK-side, not on
//   the wire), endive from 2026-09-30 (stripe-node 23.0.0; it removes create params only).
// - Versions before acacia are dated without a name: 2023-10-16, 2024-04-10, 2024-06-20;
//   acacia starts at 2024-09-30 (stripe-node 17.0.0).
//
// Within a family Stripe only adds, so a version is placed by its date alone; a version newer
// than the one Icodrip pins is read like the newest shape, and a field it may have moved shows
// up as malformed_event naming the field rather than as a wrong number.

export const OLDEST_API_VERSION = "2023-10-16";
/** The version stripe-node 23.1 is generated for and Icodrip registers endpoints on (a test keeps the two equal). */
export const NEWEST_KNOWN_API_VERSION = "2026-10-28.endive";
const BASIL = "2025-03-31";

const FAMILIES: ReadonlyArray<readonly [since: string, name: ApiFamily]> = [
  ["2026-09-30", "endive"],
  ["2026-03-25", "dahlia"],
  ["2025-09-30", "clover"],
  [BASIL, "basil"],
  ["2024-09-30", "acacia"],
  [OLDEST_API_VERSION, "dated"],
];

export type ApiFamily = "dated" | "acacia" | "basil" | "clover" | "dahlia" | "endive";

export interface ApiVersion {
  raw: string;
  /** YYYY-MM-DD */
  date: string;
  family: ApiFamily;
  /** Invoice.parent and Invoice.payments instead of Invoice.subscription, .charge, .payment_intent; no Charge.invoice */
  basilOrLater: boolean;
}

export type VersionCheck = { ok: true; version: ApiVersion } | { ok: false; message: string };

// 2024-06-20, 2025-03-31.basil, 2025-09-30.preview
const PATTERN = /^(\d{4}-\d{2}-\d{2})(?:\.([a-z]+))?$/;

export function checkApiVersion(raw: string | null | undefined, eventId: string): VersionCheck {
  const repair = `Press Repair Webhooks in Icodrip (Settings > Integrations) to register an endpoint on ${NEWEST_KNOWN_API_VERSION}, or in the Stripe Dashboard > Developers > Webhooks give this endpoint API version ${NEWEST_KNOWN_API_VERSION}.`;
  if (raw === null || raw === undefined || raw === "") {
    return { ok: false, message: `Event ${eventId} carries no API version, so Icodrip cannot tell how Stripe rendered it. ${repair}` };
  }
  const m = PATTERN.exec(raw);
  const date = m?.[1];
  if (!date || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) {
    return { ok: false, message: `Event ${eventId} names API version "${raw}", which is not a Stripe API version (they look like ${NEWEST_KNOWN_API_VERSION}). ${repair}` };
  }
  const family = FAMILIES.find(([since]) => date >= since)?.[1];
  if (!family) {
    return { ok: false, message: `Event ${eventId} was rendered with Stripe API version ${raw}, older than ${OLDEST_API_VERSION}, the oldest Icodrip reads. ${repair}` };
  }
  return { ok: true, version: { raw, date, family, basilOrLater: date >= BASIL } };
}
