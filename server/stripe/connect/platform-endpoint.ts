import type Stripe from "stripe";
import { seal } from "../../crypto/seal.js";
import type { AppContext } from "../../http/context.js";
import type { Store } from "../../store/store.js";
import { keyLivemode, STRIPE_API_VERSION, stripePlatform } from "../client.js";
import { endpointProblem, missingEvents } from "./endpoint-health.js";
import { connectEndpointEvents } from "./events.js";
import { orNull } from "./stripe-error.js";

// The platform's one Connect endpoint: Stripe lets no platform create endpoints on a connected
// account, so every OAuth-connected account's events reach this endpoint with event.account set.
// It is shared by every merchant, so it is only replaced when it is missing or wrong.

export const platformWebhookUrl = (ctx: AppContext) => `${ctx.config.publicUrl}/webhooks/stripe`;

/** Marks endpoints Icodrip made, so it can tell them from ones an operator made by hand. */
const MARK = { icodrip: "connect" } as const;

export interface WebhookSummary {
  id: string;
  url: string;
  enabledEvents: string[];
}

export interface PlatformCheck {
  livemode: boolean;
  endpoint: WebhookSummary | null;
  problem: string | null;
}

type Located =
  | { kind: "env"; endpoint: Stripe.WebhookEndpoint }
  | { kind: "icodrip"; storedId: string | null; endpoint: Stripe.WebhookEndpoint | null };

const summary = (e: Stripe.WebhookEndpoint): WebhookSummary => ({ id: e.id, url: e.url, enabledEvents: e.enabled_events });

function platformClient(ctx: AppContext): { stripe: Stripe; livemode: boolean } {
  const stripe = stripePlatform(ctx.config);
  if (!stripe || !ctx.config.stripe.secretKey) throw new Error("the platform endpoint needs STRIPE_SECRET_KEY");
  // A Connect endpoint and the tokens of the flow take the mode of the key that made them.
  return { stripe, livemode: keyLivemode(ctx.config.stripe.secretKey) };
}

async function locate(ctx: AppContext, stripe: Stripe, livemode: boolean, endpoints: Stripe.WebhookEndpoint[]): Promise<Located> {
  const url = platformWebhookUrl(ctx);
  if (ctx.config.stripe.webhookSecret) {
    const external = endpoints.find((e) => e.url === url && e.metadata.icodrip !== MARK.icodrip);
    if (external) return { kind: "env", endpoint: external };
  }
  const stored = await ctx.store.getPlatformEndpoint(livemode);
  if (!stored) return { kind: "icodrip", storedId: null, endpoint: null };
  const listed = endpoints.find((e) => e.id === stored.id);
  return { kind: "icodrip", storedId: stored.id, endpoint: listed ?? (await orNull(stripe.webhookEndpoints.retrieve(stored.id))) };
}

const listAll = (stripe: Stripe) => stripe.webhookEndpoints.list({ limit: 100 }).autoPagingToArray({ limit: 10_000 });

function problemOf(ctx: AppContext, located: Located): string | null {
  const expected = { url: platformWebhookUrl(ctx), events: connectEndpointEvents() };
  if (located.kind === "icodrip" && !located.storedId) {
    return `Webhook endpoint missing: the platform has no Connect endpoint at ${expected.url}, so no events of connected accounts reach Icodrip; press Repair Webhooks.`;
  }
  const id = located.kind === "env" ? located.endpoint.id : (located.storedId ?? "");
  return endpointProblem(id, located.endpoint, expected);
}

/** What Stripe says about the platform's Connect endpoint, without changing anything. */
export async function checkPlatformEndpoint(ctx: AppContext): Promise<PlatformCheck> {
  const { stripe, livemode } = platformClient(ctx);
  const located = await locate(ctx, stripe, livemode, await listAll(stripe));
  return { livemode, endpoint: located.endpoint ? summary(located.endpoint) : null, problem: problemOf(ctx, located) };
}

// Two merchants finishing OAuth at the same moment must not make two endpoints; within one
// process they share one run. (Across instances the loser's endpoint stays an orphan, whose
// deliveries fail verification, until the next replacement deletes it.)
const running = new WeakMap<Store, Map<boolean, Promise<WebhookSummary>>>();

/**
 * Makes sure the Connect endpoint exists, is enabled and listens for every event Icodrip needs.
 * `replaceSecret`: deliveries failed their signature after the last verified one, so the secret
 * Icodrip holds is likely stale (rolled in Stripe's Dashboard, which never tells it the new one):
 * an endpoint Icodrip made is replaced, for a fresh secret, unless it was made in the last few
 * seconds. An operator's endpoint (STRIPE_WEBHOOK_SECRET) is theirs.
 */
export function ensurePlatformEndpoint(ctx: AppContext, options: { replaceSecret?: boolean } = {}): Promise<WebhookSummary> {
  const { livemode } = platformClient(ctx);
  const perStore = running.get(ctx.store) ?? new Map<boolean, Promise<WebhookSummary>>();
  running.set(ctx.store, perStore);
  const pending = perStore.get(livemode);
  if (pending) return pending;
  const run = ensure(ctx, options.replaceSecret ?? false).finally(() => perStore.delete(livemode));
  perStore.set(livemode, run);
  return run;
}

// Two presses of Repair (or two instances) at once replace it once.
const REPLACE_AT_MOST_EVERY_MS = 5_000;

async function ensure(ctx: AppContext, replaceSecret: boolean): Promise<WebhookSummary> {
  const { stripe, livemode } = platformClient(ctx);
  const url = platformWebhookUrl(ctx);
  const endpoints = await listAll(stripe);
  const located = await locate(ctx, stripe, livemode, endpoints);
  const problem = problemOf(ctx, located);

  if (located.kind === "env") {
    if (!problem) return summary(located.endpoint);
    // The operator made this endpoint and holds its secret (STRIPE_WEBHOOK_SECRET): mend it in place.
    const mended = await stripe.webhookEndpoints.update(located.endpoint.id, {
      url,
      disabled: false,
      enabled_events: [...located.endpoint.enabled_events, ...missingEvents(located.endpoint.enabled_events, connectEndpointEvents())] as Stripe.WebhookEndpointUpdateParams.EnabledEvent[],
    });
    return summary(mended);
  }
  const stored = replaceSecret ? await ctx.store.getPlatformEndpoint(livemode) : null;
  const renew = stored !== null && ctx.now() - stored.createdAt >= REPLACE_AT_MOST_EVERY_MS;
  if (located.endpoint && !problem && !renew) return summary(located.endpoint);

  // A broken endpoint, and any Icodrip made whose secret is not stored, would only deliver
  // events Icodrip cannot verify: they go before a fresh one is made.
  const stale = endpoints.filter((e) => e.id === located.endpoint?.id || (e.metadata.icodrip === MARK.icodrip && e.url === url));
  if (located.endpoint && !stale.some((e) => e.id === located.endpoint?.id)) stale.push(located.endpoint);
  for (const e of stale) await orNull(stripe.webhookEndpoints.del(e.id));

  const created = await stripe.webhookEndpoints.create({
    url,
    enabled_events: connectEndpointEvents(),
    connect: true,
    api_version: STRIPE_API_VERSION,
    description: "Icodrip: payments of connected accounts",
    metadata: MARK,
  });
  if (!created.secret) throw new Error(`Stripe created webhook endpoint ${created.id} without answering its signing secret`);
  await ctx.store.putPlatformEndpoint(livemode, {
    id: created.id,
    url: created.url,
    enabledEvents: created.enabled_events,
    sealedSecret: seal(ctx.config.secret, "webhook-secret", created.secret),
    createdAt: ctx.now(),
  });
  ctx.log.info({ endpointId: created.id, livemode }, "platform Connect webhook endpoint created");
  return summary(created);
}
