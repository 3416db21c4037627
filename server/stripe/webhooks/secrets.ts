import { unseal } from "../../crypto/seal.js";
import type { Config } from "../../config/config.js";
import type { StripeConnection } from "../../domain/types.js";
import type { Store } from "../../store/store.js";

/** Signing secrets of the platform's Connect endpoint: the env one and those Icodrip created. */
export async function platformSecrets(config: Config, store: Store): Promise<string[]> {
  const secrets: string[] = [];
  if (config.stripe.webhookSecret) secrets.push(config.stripe.webhookSecret);
  const { test, live } = await store.platformEndpoints();
  for (const endpoint of [test, live]) {
    if (endpoint) secrets.push(unseal(config.secret, "webhook-secret", endpoint.sealedSecret));
  }
  return secrets;
}

/** The connections (test and live) of an account whose endpoint Icodrip registered itself. */
export async function accountEndpointSecrets(config: Config, store: Store, accountId: string): Promise<{ connection: StripeConnection; secret: string }[]> {
  const found: { connection: StripeConnection; secret: string }[] = [];
  // Both modes read at once: one round trip, not two in a row.
  const connections = await Promise.all([false, true].map((livemode) => store.connectionByAccount(accountId, livemode)));
  for (const connection of connections) {
    if (connection?.webhook?.sealedSecret) {
      found.push({ connection, secret: unseal(config.secret, "webhook-secret", connection.webhook.sealedSecret) });
    }
  }
  return found;
}
