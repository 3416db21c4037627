import Stripe from "stripe";
import { newId } from "../../domain/ids.js";
import type { StripeConnection, WebhookDelivery } from "../../domain/types.js";
import type { AppContext } from "../../http/context.js";
import { Ledger } from "../../store/ledger.js";
import { dispatch } from "../handlers/dispatch.js";
import type { EventInfo } from "../handlers/types.js";
import { normalizeEvent } from "../normalize.js";
import { accountEndpointSecrets, platformSecrets } from "./secrets.js";

/** Stripe refuses signatures older than this; so do we (seconds). */
export const SIGNATURE_TOLERANCE_S = 300;

export interface Delivery {
  rawBody: Buffer;
  signature: string | undefined;
  /** set on /webhooks/stripe/:accountId (an endpoint on the merchant's own account) */
  routeAccountId: string | null;
}

export interface IngestAnswer {
  status: number;
  body: unknown;
}

/**
 * One webhook delivery, start to end: verify the signature, read the event, find its workspace,
 * apply it exactly once, log what happened. Never calls Stripe.
 */
export async function ingest(ctx: AppContext, d: Delivery): Promise<IngestAnswer> {
  const receivedAt = ctx.now();
  const log = (entry: Omit<WebhookDelivery, "id" | "receivedAt">) => ctx.store.addDelivery({ id: newId("whd"), receivedAt, ...entry });
  const routed = d.routeAccountId ? await accountEndpointSecrets(ctx.config, ctx.store, d.routeAccountId) : null;
  const secrets = routed ? routed.map((r) => r.secret) : await platformSecrets(ctx.config, ctx.store);
  const routeWorkspace = routed?.[0]?.connection.workspaceId ?? null;

  const failure = verify(d, secrets);
  if (failure) {
    await log({ workspaceId: routeWorkspace, eventId: null, type: null, accountId: d.routeAccountId, livemode: null, apiVersion: null, outcome: "rejected", message: failure });
    return reply(401, "invalid_signature", failure);
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(d.rawBody.toString("utf8"));
  } catch {
    await log({ workspaceId: routeWorkspace, eventId: null, type: null, accountId: d.routeAccountId, livemode: null, apiVersion: null, outcome: "rejected", message: "The body is signed but is not JSON." });
    return reply(400, "malformed_event", "The body is signed but is not JSON.");
  }
  const normalized = normalizeEvent(parsed);
  if (!normalized.ok) {
    const raw = parsed as { id?: unknown; type?: unknown; api_version?: unknown; livemode?: unknown };
    await log({
      workspaceId: routeWorkspace,
      eventId: typeof raw.id === "string" ? raw.id : null,
      type: typeof raw.type === "string" ? raw.type : null,
      accountId: d.routeAccountId,
      livemode: typeof raw.livemode === "boolean" ? raw.livemode : null,
      apiVersion: typeof raw.api_version === "string" ? raw.api_version : null,
      outcome: "rejected",
      message: normalized.message,
    });
    return reply(400, normalized.code, normalized.message);
  }

  const event: EventInfo = { ...normalized.event, accountId: normalized.event.accountId ?? d.routeAccountId };
  const base = { eventId: event.id, type: event.type, accountId: event.accountId, livemode: event.livemode, apiVersion: event.apiVersion };
  // An account endpoint's connections were read to find its secrets; the platform's are looked up.
  const connection = routed
    ? (routed.find((r) => r.connection.livemode === event.livemode)?.connection ?? null)
    : event.accountId
      ? await ctx.store.connectionByAccount(event.accountId, event.livemode)
      : null;
  if (!connection) {
    const message = event.accountId
      ? `No workspace has Stripe account ${event.accountId} connected in ${event.livemode ? "live" : "test"} mode; event ignored.`
      : "The event belongs to the platform account itself, not to a connected merchant; ignored.";
    await log({ workspaceId: routeWorkspace, ...base, outcome: "ignored", message });
    return { status: 200, body: { received: true, outcome: "ignored" } };
  }
  const workspaceId = connection.workspaceId;
  if (connection.status !== "connected" && normalized.data.type !== "deauthorized") {
    await log({ workspaceId, ...base, outcome: "ignored", message: `Stripe account ${event.accountId} is disconnected from Icodrip; event ignored. Connect it again to count its payments.` });
    return { status: 200, body: { received: true, outcome: "ignored" } };
  }

  try {
    const result = await ctx.store.recordEventOnce(workspaceId, event.id, (unit) => dispatch(new Ledger(unit, workspaceId), event, normalized.data, ctx.now()));
    await noteLastEvent(ctx, connection, receivedAt);
    if (result.duplicate) {
      await log({ workspaceId, ...base, outcome: "duplicate", message: `Event ${event.id} was delivered before and already applied; this delivery changed nothing.` });
      return { status: 200, body: { received: true, outcome: "duplicate" } };
    }
    await log({ workspaceId, ...base, ...result.result });
    return { status: 200, body: { received: true, outcome: result.result.outcome } };
  } catch (error) {
    ctx.log.error({ err: error, eventId: event.id, workspaceId }, "webhook processing failed");
    const message = `Applying event ${event.id} failed (${(error as Error).message}); nothing was changed and Stripe will retry it.`;
    await log({ workspaceId, ...base, outcome: "failed", message }).catch(() => {});
    return reply(500, "processing_failed", message);
  }
}

// "Last event received" is shown on the integration's status. It is a hint, not money: written at
// most once a second per connection, and a failure to write it never fails the delivery.
async function noteLastEvent(ctx: AppContext, connection: StripeConnection, at: number): Promise<void> {
  if (connection.lastEventAt !== null && at - connection.lastEventAt < 1_000) return;
  await ctx.store.touchConnection(connection.workspaceId, connection.accountId, connection.livemode, at).catch((error: Error) => {
    ctx.log.warn({ err: error, accountId: connection.accountId }, "could not note the last event time");
  });
}

function verify(d: Delivery, secrets: string[]): string | null {
  if (!d.signature) return "The request has no Stripe-Signature header; only Stripe's signed deliveries are accepted.";
  if (secrets.length === 0) {
    return d.routeAccountId
      ? `No webhook endpoint is registered for account ${d.routeAccountId}; connect it in Settings > Integrations.`
      : "No signing secret is configured for the platform endpoint; set STRIPE_WEBHOOK_SECRET or connect an account through OAuth.";
  }
  let firstError = "";
  for (const secret of secrets) {
    try {
      Stripe.webhooks.signature!.verifyHeader(d.rawBody, d.signature, secret, SIGNATURE_TOLERANCE_S);
      return null;
    } catch (error) {
      firstError ||= (error as Error).message;
    }
  }
  return `The Stripe-Signature did not verify: ${firstError} Check that the endpoint's signing secret is the one Icodrip holds (Repair Webhooks replaces it).`;
}

function reply(status: number, code: string, message: string): IngestAnswer {
  return { status, body: { error: { code, message } } };
}
