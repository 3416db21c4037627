import { SealError, unseal } from "../../crypto/seal.js";
import type { StripeConnection } from "../../domain/types.js";
import type { AppContext } from "../../http/context.js";
import { isPlatform, keyLivemode } from "../client.js";
import { registerAccountEndpoint } from "./account-endpoint.js";
import { ensurePlatformEndpoint } from "./platform-endpoint.js";
import { integrationStatus, type IntegrationStatus } from "./status.js";
import { classifyStripeError } from "./stripe-error.js";

// "Repair Webhooks": a restricted-key account gets a fresh endpoint (its own, so replacing it
// costs nobody else, and it also cures a secret rolled in Stripe's Dashboard); OAuth accounts get
// the platform's shared Connect endpoint mended only where it is missing or wrong. What a repair
// cannot mend (a revoked key or token) stays in the answered status as the problem to act on.

async function repairRestrictedKey(ctx: AppContext, c: StripeConnection): Promise<void> {
  const key = unseal(ctx.config.secret, "stripe-token", c.sealedToken);
  const webhook = await registerAccountEndpoint(ctx, key, c.accountId);
  await ctx.store.putConnection({ ...c, webhook, problem: null });
}

async function repairOAuth(ctx: AppContext, workspaceId: string, connections: StripeConnection[]): Promise<void> {
  if (connections.length === 0 || !isPlatform(ctx.config)) return;
  const endpoint = await ensurePlatformEndpoint(ctx, { replaceSecret: await signatureFailedSinceLastEvent(ctx, workspaceId, connections) });
  for (const c of connections) {
    await ctx.store.putConnection({ ...c, webhook: { ...endpoint, sealedSecret: null }, problem: null });
  }
}

/**
 * Whether a delivery naming one of these accounts failed its signature on the platform endpoint
 * after the account's last verified event and after the endpoint was made: the sign that the
 * platform endpoint's secret was rolled in Stripe. (Such rows are unverified, so anyone could
 * cause one; the worst it buys is a fresh endpoint, and only when a merchant presses Repair.)
 */
async function signatureFailedSinceLastEvent(ctx: AppContext, workspaceId: string, connections: StripeConnection[]): Promise<boolean> {
  // The platform endpoint lives in the mode of the platform's key.
  const endpoint = await ctx.store.getPlatformEndpoint(keyLivemode(ctx.config.stripe.secretKey ?? ""));
  const recent = await ctx.store.listDeliveries(workspaceId, { limit: 50, outcome: "rejected" });
  return recent.data.some((d) => {
    const c = connections.find((x) => x.accountId === d.accountId);
    const since = Math.max(c?.lastEventAt ?? 0, endpoint?.createdAt ?? 0);
    return c !== undefined && d.verified === false && d.receivedAt > since;
  });
}

export async function repairWebhooks(ctx: AppContext, workspaceId: string): Promise<IntegrationStatus> {
  const connected = (await ctx.store.listConnections(workspaceId)).filter((c) => c.status === "connected");
  const attempts = [
    ...connected.filter((c) => c.method === "restricted_key").map((c) => repairRestrictedKey(ctx, c)),
    repairOAuth(ctx, workspaceId, connected.filter((c) => c.method === "oauth")),
  ];
  for (const result of await Promise.allSettled(attempts)) {
    if (result.status === "rejected") {
      const reason = result.reason instanceof SealError ? result.reason.message : classifyStripeError(result.reason).message;
      ctx.log.warn({ workspaceId, reason }, "a webhook repair failed; the status names what is left");
    }
  }
  return integrationStatus(ctx, workspaceId);
}
