import type Stripe from "stripe";

export interface ExpectedEndpoint {
  url: string;
  events: readonly string[];
}

/**
 * What is wrong with a webhook endpoint as Stripe reports it, as one sentence a merchant can act
 * on; null when it will deliver every event Icodrip needs to the right place.
 */
export function endpointProblem(endpointId: string, found: Stripe.WebhookEndpoint | null, expected: ExpectedEndpoint): string | null {
  if (!found) {
    return `Webhook endpoint missing: ${endpointId} no longer exists in Stripe (it was deleted), so no events reach Icodrip; press Repair Webhooks.`;
  }
  if (found.status !== "enabled") {
    return `Webhook endpoint disabled: Stripe reports ${found.id} as ${found.status} (Stripe disables endpoints after days of failed deliveries, or someone turned it off), so no events reach Icodrip; press Repair Webhooks.`;
  }
  if (found.url !== expected.url) {
    return `Webhook endpoint url is ${found.url} instead of ${expected.url}, so Stripe sends events elsewhere; press Repair Webhooks.`;
  }
  const missing = missingEvents(found.enabled_events, expected.events);
  if (missing.length > 0) {
    return `Webhook endpoint lacks events: ${found.id} does not listen for ${missing.join(", ")}, so those never reach Icodrip; press Repair Webhooks.`;
  }
  return null;
}

export function missingEvents(enabled: readonly string[], wanted: readonly string[]): string[] {
  if (enabled.includes("*")) return [];
  return wanted.filter((e) => !enabled.includes(e));
}
