import { seal } from "../../crypto/seal.js";
import type { StripeConnection } from "../../domain/types.js";
import type { AppContext } from "../../http/context.js";
import { STRIPE_API_VERSION, stripeApi } from "../client.js";
import { accountEndpointEvents } from "./events.js";
import { orNull } from "./stripe-error.js";

// A self-hosted install that is no Connect platform registers an endpoint on the merchant's own
// account with their restricted key; the merchant sees it in Dashboard > Developers > Webhooks.
// Its URL names the account, so Icodrip knows which secret verifies a delivery before reading it.

export const accountWebhookUrl = (ctx: AppContext, accountId: string) => `${ctx.config.publicUrl}/webhooks/stripe/${accountId}`;

/**
 * Registers a fresh endpoint for the account and answers it with its secret sealed. Endpoints
 * already at the same URL go first: Stripe shows a secret only when it creates an endpoint,
 * so an older one could only deliver events Icodrip cannot verify.
 */
export async function registerAccountEndpoint(ctx: AppContext, key: string, accountId: string): Promise<NonNullable<StripeConnection["webhook"]>> {
  const stripe = stripeApi(ctx.config, key);
  const url = accountWebhookUrl(ctx, accountId);
  const existing = await stripe.webhookEndpoints.list({ limit: 100 }).autoPagingToArray({ limit: 10_000 });
  for (const e of existing.filter((e) => e.url === url)) await orNull(stripe.webhookEndpoints.del(e.id));

  const created = await stripe.webhookEndpoints.create({
    url,
    enabled_events: accountEndpointEvents(),
    api_version: STRIPE_API_VERSION,
    description: "Icodrip: affiliate conversions from this account's payments",
    metadata: { icodrip: "account" },
  });
  if (!created.secret) throw new Error(`Stripe created webhook endpoint ${created.id} without answering its signing secret`);
  ctx.log.info({ accountId, endpointId: created.id }, "account webhook endpoint created");
  return {
    id: created.id,
    url: created.url,
    enabledEvents: created.enabled_events,
    sealedSecret: seal(ctx.config.secret, "webhook-secret", created.secret),
  };
}
