import type { SandboxState, EventRecord, StoredObject } from "./state.js";
import { randomId } from "./state.js";

// One object, rendered in the API version a request or a webhook endpoint asks for. The sandbox
// keeps each object in the newest shape and knows the boundary Icodrip reads across:
// 2025-03-31.basil moved Invoice.subscription / .subscription_details / .payment_intent /
// .charge / .paid into Invoice.parent and Invoice.payments, took `invoice` off Charge and
// PaymentIntent, and moved Subscription.current_period_* onto its items.

/** What stripe-node 23 pins; answered in Stripe-Version when a request names none. */
export const DEFAULT_API_VERSION = "2026-10-28.endive";
const BASIL = "2025-03-31";

export const isBasilOrLater = (version: string) => version.slice(0, 10) >= BASIL;

// 2026-03-25.dahlia renamed Checkout's ui_mode values (stripe-node 21.0.0's changelog):
// hosted → hosted_page, embedded → embedded_page.
const DAHLIA = "2026-03-25";
const UI_MODES_BEFORE_DAHLIA: Record<string, string> = { hosted_page: "hosted", embedded_page: "embedded" };

// Checkout.Session.discounts is rendered from 2025-01-27 on (stripe-node's CHANGELOG, "Add
// support for `discounts` on `Checkout.Session`"); before, only total_details.breakdown (when
// expanded) names a session's coupon and promotion code.
const SESSION_DISCOUNTS = "2025-01-27";

export function render(stored: StoredObject, version: string): Record<string, unknown> {
  const copy = structuredClone(stored.current) as Record<string, unknown>;
  if (version.slice(0, 10) < SESSION_DISCOUNTS && copy.object === "checkout.session") delete copy.discounts;
  if (version.slice(0, 10) < DAHLIA && copy.object === "checkout.session" && typeof copy.ui_mode === "string") {
    copy.ui_mode = UI_MODES_BEFORE_DAHLIA[copy.ui_mode] ?? copy.ui_mode;
  }
  if (isBasilOrLater(version)) return copy;
  const kept = Object.fromEntries(Object.entries(copy).filter(([key]) => !stored.basilOnly.includes(key)));
  return { ...kept, ...structuredClone(stored.legacy) };
}

/** Keeps a payment object; the same call replaces it after a change. */
export function put(state: SandboxState, accountId: string, current: object, legacy: Record<string, unknown> = {}, basilOnly: string[] = []): StoredObject {
  const stored: StoredObject = { accountId, current: current as StoredObject["current"], legacy, basilOnly };
  state.objects.set(stored.current.id, stored);
  return stored;
}

/** Records an event on an account and hands it to delivery. */
export function emit(state: SandboxState, accountId: string, type: string, stored: StoredObject, previousAttributes: Record<string, unknown> | null = null): EventRecord {
  const account = state.accounts.get(accountId);
  const event: EventRecord = {
    id: `evt_1${randomId(23)}`,
    type,
    accountId,
    created: Math.floor(Date.now() / 1000),
    livemode: account?.livemode ?? false,
    object: structuredClone(stored),
    previousAttributes,
  };
  state.events.push(event);
  state.dispatch(event);
  return event;
}

/**
 * The event as Stripe renders it for one API version. `account` is set on Connect deliveries
 * and when a platform reads a connected account's event, as on Stripe.
 */
export function eventJson(event: EventRecord, version: string, account: string | null, pendingWebhooks = 0): Record<string, unknown> {
  const data: Record<string, unknown> = { object: render(event.object, version) };
  if (event.previousAttributes) data.previous_attributes = structuredClone(event.previousAttributes);
  return {
    id: event.id,
    object: "event",
    ...(account ? { account } : {}),
    api_version: version,
    created: event.created,
    data,
    livemode: event.livemode,
    pending_webhooks: pendingWebhooks,
    request: { id: null, idempotency_key: null },
    type: event.type,
  };
}
