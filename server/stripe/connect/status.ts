import { SealError, unseal } from "../../crypto/seal.js";
import type { StripeConnection } from "../../domain/types.js";
import type { AppContext } from "../../http/context.js";
import { isPlatform, stripeApi } from "../client.js";
import { accountWebhookUrl } from "./account-endpoint.js";
import { endpointProblem } from "./endpoint-health.js";
import { accountEndpointEvents } from "./events.js";
import { checkPlatformEndpoint, type PlatformCheck, type WebhookSummary } from "./platform-endpoint.js";
import { classifyStripeError, orNull } from "./stripe-error.js";

// The integration as Stripe sees it right now: every connected account's credential and
// webhook endpoint are checked live, so "Connected" means events can actually arrive.

export interface AccountStatus {
  accountId: string;
  method: StripeConnection["method"];
  livemode: boolean;
  status: StripeConnection["status"];
  webhook: { id: string; url: string; enabledEvents: string[]; lastEventAt: string | null } | null;
  problem: string | null;
}

export interface IntegrationStatus {
  status: "not_connected" | "connected" | "needs_repair";
  accounts: AccountStatus[];
}

const iso = (ms: number | null) => (ms == null ? null : new Date(ms).toISOString());

function present(c: StripeConnection, webhook: WebhookSummary | null, problem: string | null): AccountStatus {
  return {
    accountId: c.accountId,
    method: c.method,
    livemode: c.livemode,
    status: c.status,
    webhook: webhook ? { id: webhook.id, url: webhook.url, enabledEvents: webhook.enabledEvents, lastEventAt: iso(c.lastEventAt) } : null,
    problem,
  };
}

const unreachable = (accountId: string, message: string) =>
  `Stripe could not be asked about ${accountId} (${message}); reload in a minute, and if it persists press Repair Webhooks.`;

async function checkRestrictedKey(ctx: AppContext, c: StripeConnection): Promise<AccountStatus> {
  const hook = c.webhook;
  if (!hook) return present(c, null, `Webhook endpoint missing: ${c.accountId} has no Icodrip endpoint, so no events reach Icodrip; press Repair Webhooks.`);
  try {
    const stripe = stripeApi(ctx.config, unseal(ctx.config.secret, "stripe-token", c.sealedToken));
    const found = await orNull(stripe.webhookEndpoints.retrieve(hook.id));
    const problem =
      endpointProblem(hook.id, found, { url: accountWebhookUrl(ctx, c.accountId), events: accountEndpointEvents() }) ??
      ((await ctx.store.hasPromoCodes(c.workspaceId)) ? await promoReadProblem(stripe, c.accountId) : null);
    return present(c, found ? { id: found.id, url: found.url, enabledEvents: found.enabled_events } : hook, problem);
  } catch (error) {
    if (error instanceof SealError) return present(c, hook, error.message);
    const failure = classifyStripeError(error);
    if (failure.kind === "unauthorized") {
      return present(c, hook, `Key revoked: Stripe no longer accepts the restricted key of ${c.accountId} (${failure.message}); create a new restricted key and connect it again.`);
    }
    if (failure.kind === "permission") {
      return present(c, hook, `Key lacks a permission: ${failure.message} Add it to the key in Stripe's Dashboard, or connect a new restricted key.`);
    }
    return present(c, hook, unreachable(c.accountId, failure.message));
  }
}

/**
 * Whether the key may read what naming a payment's promotion code takes (promotions.ts). Asked
 * only when the workspace ties codes, by fetching ids that do not exist: Stripe checks the
 * permission first (403), so a 404 means the key may read them.
 */
async function promoReadProblem(stripe: ReturnType<typeof stripeApi>, accountId: string): Promise<string | null> {
  const probes: [string, () => Promise<unknown>][] = [
    ["checkout_session_read", () => stripe.checkout.sessions.retrieve("cs_icodrip_permission_probe")],
    ["invoice_read", () => stripe.invoices.retrieve("in_icodrip_permission_probe")],
    ["promotion_code_read", () => stripe.promotionCodes.retrieve("promo_icodrip_permission_probe")],
  ];
  const missing: string[] = [];
  for (const [permission, probe] of probes) {
    try {
      await orNull(probe());
    } catch (error) {
      if (classifyStripeError(error).kind !== "permission") throw error;
      missing.push(permission);
    }
  }
  if (missing.length === 0) return null;
  return `Key cannot read promotion codes: the restricted key of ${accountId} lacks ${missing.join(", ")}, so payments made with a tied promotion code fail until it can (Stripe retries them). Add ${missing.length === 1 ? "that permission" : "those permissions"} to the key in Stripe's Dashboard > Developers > API keys, or connect a new restricted key.`;
}

async function tokenProblem(ctx: AppContext, c: StripeConnection): Promise<string | null> {
  try {
    await stripeApi(ctx.config, unseal(ctx.config.secret, "stripe-token", c.sealedToken)).accounts.retrieveCurrent();
    return null;
  } catch (error) {
    if (error instanceof SealError) return error.message;
    const failure = classifyStripeError(error);
    if (failure.kind === "unauthorized") {
      return `Token revoked: Stripe no longer accepts Icodrip's access to ${c.accountId} (it was disconnected in Stripe's Dashboard); press Connect Stripe to connect it again.`;
    }
    return failure.kind === "permission" ? null : unreachable(c.accountId, failure.message);
  }
}

async function checkOAuth(ctx: AppContext, c: StripeConnection, platform: () => Promise<PlatformCheck | string>): Promise<AccountStatus> {
  const [check, token] = await Promise.all([platform(), tokenProblem(ctx, c)]);
  if (typeof check === "string") return present(c, c.webhook, token ?? check);
  return present(c, check.endpoint ?? c.webhook, token ?? check.problem);
}

/** The status the API and the dashboard show, checked against Stripe. */
export async function integrationStatus(ctx: AppContext, workspaceId: string): Promise<IntegrationStatus> {
  const connections = await ctx.store.listConnections(workspaceId);
  // Every OAuth account shares the platform's endpoint: it is looked up once per status.
  let platform: Promise<PlatformCheck | string> | null = null;
  const platformCheck = () =>
    (platform ??= isPlatform(ctx.config)
      ? checkPlatformEndpoint(ctx).catch((error: unknown) => unreachable("the platform's Connect endpoint", classifyStripeError(error).message))
      : Promise.resolve(
          "Not a Connect platform any more: STRIPE_SECRET_KEY or STRIPE_CLIENT_ID is unset on this server, so OAuth-connected accounts receive no events; set them again, or connect with a restricted key.",
        ));

  const accounts = await Promise.all(
    connections.map((c) => {
      if (c.status !== "connected") return Promise.resolve(present(c, c.webhook, c.problem));
      return c.method === "oauth" ? checkOAuth(ctx, c, platformCheck) : checkRestrictedKey(ctx, c);
    }),
  );
  const live = accounts.filter((a) => a.status === "connected");
  const status = live.length === 0 ? "not_connected" : live.some((a) => a.problem) ? "needs_repair" : "connected";
  return { status, accounts };
}
