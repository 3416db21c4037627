import type { StripeConnection } from "../../domain/types.js";
import type { AppContext } from "../../http/context.js";
import { ApiError } from "../../http/errors.js";
import { keyLivemode, stripeApi } from "../client.js";
import { registerAccountEndpoint } from "./account-endpoint.js";
import { connectedAccount } from "./connection.js";
import { classifyStripeError } from "./stripe-error.js";

/** Turns a Stripe refusal of the merchant's key into an error naming what to change. */
function keyError(error: unknown): ApiError {
  const failure = classifyStripeError(error);
  const field = (message: string) => ({ restrictedKey: message });
  switch (failure.kind) {
    case "unauthorized": {
      const message = `Stripe does not accept this key: ${failure.message} Copy the restricted key again from Stripe's Dashboard > Developers > API keys.`;
      return new ApiError(400, "stripe_key_invalid", message, field(message));
    }
    case "permission": {
      const message = `${failure.message} Icodrip needs to read the account and to write Webhook Endpoints; add the missing permission to the key in Stripe's Dashboard > Developers > API keys and paste it again.`;
      return new ApiError(422, "stripe_permission_missing", message, field(message));
    }
    default:
      return new ApiError(502, "stripe_unavailable", `Stripe could not be reached to check the key (${failure.message}); try again in a minute.`);
  }
}

/**
 * Connects an account with the merchant's restricted key: asks Stripe whose key it is, registers
 * Icodrip's endpoint on that account and keeps key and signing secret sealed. Nothing is stored
 * unless all of it worked.
 */
export async function connectWithRestrictedKey(ctx: AppContext, workspaceId: string, key: string): Promise<StripeConnection> {
  const stripe = stripeApi(ctx.config, key);
  const account = await stripe.accounts.retrieveCurrent().catch((error: unknown) => {
    throw keyError(error);
  });
  const livemode = keyLivemode(key);

  const owner = await ctx.store.connectionByAccount(account.id, livemode);
  if (owner && owner.workspaceId !== workspaceId && owner.status === "connected") {
    throw new ApiError(409, "conflict", `Stripe account ${account.id} is connected to another Icodrip workspace; disconnect it there first.`);
  }

  const webhook = await registerAccountEndpoint(ctx, key, account.id).catch((error: unknown) => {
    throw keyError(error);
  });
  const connection = await connectedAccount(ctx, { workspaceId, accountId: account.id, livemode, method: "restricted_key", webhook, token: key });
  try {
    await ctx.store.putConnection(connection);
  } catch (error) {
    // The endpoint would deliver events nobody can verify; take it back before reporting.
    await stripe.webhookEndpoints.del(webhook.id).catch(() => undefined);
    throw error;
  }
  ctx.log.info({ workspaceId, accountId: account.id, livemode }, "Stripe connected with a restricted key");
  return connection;
}
