import { SealError, unseal } from "../../crypto/seal.js";
import type { StripeConnection } from "../../domain/types.js";
import type { AppContext } from "../../http/context.js";
import { ApiError, notFound } from "../../http/errors.js";
import { isPlatform, stripeApi } from "../client.js";
import { deauthorize, OAuthFailure } from "./oauth.js";
import { classifyStripeError } from "./stripe-error.js";

// "Disconnect" stops events at their source (OAuth access revoked, or the merchant-side endpoint
// deleted), then marks the connection disconnected. The record stays, so conversions and
// deliveries keep naming the account; the credentials and signing secret are dropped.

async function stopAtStripe(ctx: AppContext, c: StripeConnection): Promise<void> {
  if (c.method === "oauth") {
    if (!isPlatform(ctx.config)) return;
    try {
      await deauthorize(ctx.config, c.accountId);
    } catch (error) {
      if (error instanceof OAuthFailure) throw new ApiError(502, error.code, error.message);
      throw error;
    }
    return;
  }
  if (!c.webhook) return;
  try {
    await stripeApi(ctx.config, unseal(ctx.config.secret, "stripe-token", c.sealedToken)).webhookEndpoints.del(c.webhook.id);
  } catch (error) {
    if (error instanceof SealError) return;
    const failure = classifyStripeError(error);
    // Already deleted, or the key was revoked: nothing Icodrip can delete any more.
    if (failure.kind === "not_found" || failure.kind === "unauthorized" || failure.kind === "permission") return;
    throw new ApiError(502, "stripe_unavailable", `Stripe could not delete the webhook endpoint of ${c.accountId} (${failure.message}); try Disconnect again.`);
  }
}

/** Disconnects one account, in one mode or (livemode undefined) in both. */
export async function disconnectAccount(ctx: AppContext, workspaceId: string, accountId: string, livemode?: boolean): Promise<void> {
  const targets = (await ctx.store.listConnections(workspaceId)).filter(
    (c) => c.accountId === accountId && c.status === "connected" && (livemode === undefined || c.livemode === livemode),
  );
  if (targets.length === 0) throw notFound(`A connected Stripe account ${accountId}`);
  for (const c of targets) {
    await stopAtStripe(ctx, c);
    await ctx.store.putConnection({
      ...c,
      status: "disconnected",
      sealedToken: "",
      webhook: c.webhook ? { ...c.webhook, sealedSecret: null } : null,
      problem: null,
    });
    ctx.log.info({ workspaceId, accountId, livemode: c.livemode, method: c.method }, "Stripe account disconnected");
  }
}
