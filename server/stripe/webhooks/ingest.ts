import { createHash } from "node:crypto";
import Stripe from "stripe";
import { z } from "zod";
import { newId } from "../../domain/ids.js";
import type { StripeConnection, WebhookDelivery } from "../../domain/types.js";
import type { AppContext } from "../../http/context.js";
import { hintedKeys, Ledger } from "../../store/ledger.js";
import { CommitOutcomeUnknown, type Store } from "../../store/store.js";
import { dispatch, readHints } from "../handlers/dispatch.js";
import type { EventInfo } from "../handlers/types.js";
import { normalizeEvent } from "../normalize.js";
import { StripeReadFailed, withPromotions } from "../promotions.js";
import type { Rejections } from "./rejections.js";
import { accountEndpointSecrets, platformSecrets } from "./secrets.js";
import { DAY_MS } from "../../domain/calendar.js";

/** Stripe refuses signatures older than this; so do we, and as far into the future (seconds). */
export const SIGNATURE_TOLERANCE_S = 300;
/** Rejected deliveries are kept this long (their rows expire), counted per minute. */
export const REJECTED_RETENTION_MS = 7 * DAY_MS;
const COALESCE_MS = 60_000;

export interface Delivery {
  rawBody: Buffer;
  signature: string | undefined;
  /** set on /webhooks/stripe/:accountId (an endpoint on the merchant's own account) */
  routeAccountId: string | null;
  /** the client's address (req.ip): what the limiter of rejected deliveries counts by */
  address: string;
}

export interface IngestAnswer {
  status: number;
  body: unknown;
}

type Row = Omit<WebhookDelivery, "id" | "receivedAt">;

/**
 * One webhook delivery, start to end: verify the signature, read the event, find its workspace,
 * apply it exactly once, log what happened. Calls Stripe only to name a payment's promotion
 * codes when the payload cannot (see promotions.ts), before the store's transaction.
 * Rejected deliveries (anyone can post them) are limited per address before any store write and
 * logged coalesced (see Rejections); verified ones are never limited.
 */
export async function ingest(ctx: AppContext, d: Delivery, rejections: Rejections): Promise<IngestAnswer> {
  const { limiter } = rejections;
  const receivedAt = ctx.now();
  const deliveryId = newId("whd", receivedAt);
  /**
   * Logs a rejected delivery, within the address's limit: coalesced in its log (the route's
   * workspace, or the global one), and, on the platform endpoint, also in the log of each
   * workspace that connected the account the body names, so the merchant sees it where they look.
   * Those copies are coalesced the same way (one row per workspace, account, reason and minute),
   * so whoever knows an account id can add to a count there, not rows.
   */
  const rejected = async (
    workspaceId: string | null,
    reason: string,
    row: Omit<Row, "workspaceId" | "outcome">,
    answer: IngestAnswer,
    o: { unverified?: boolean } = {},
  ) => {
    if (!limiter.take(d.address, receivedAt)) return tooMany();
    const flag = o.unverified ? { verified: false } : {};
    const id = coalescedId(workspaceId, row.accountId, reason, receivedAt);
    const writes = [rejections.rows.add(ctx.store, { id, receivedAt, workspaceId, outcome: "rejected", ...row, ...flag, count: 1 })];
    // Parsed only past the limiter, so a flood pays for no parsing; not_json has nothing to read.
    const claim = reason === "not_json" ? null : claimOf(d.rawBody);
    // An unsigned post is not Stripe's in any configuration, so it is not shown to merchants.
    const copyTo = !d.routeAccountId && reason !== "unsigned" && claim?.account ? await workspacesOf(ctx, claim.account, claim.livemode) : [];
    for (const ws of copyTo) {
      if (!claim) break; // copyTo is empty without a claim; this tells the compiler so.
      const copy = {
        eventId: claim.id,
        type: claim.type,
        accountId: claim.account,
        livemode: claim.livemode,
        apiVersion: claim.apiVersion,
        message: o.unverified
          ? `${row.message} The body is unverified: anyone can post one naming this account, so it may not come from Stripe.`
          : row.message,
      };
      const copyId = coalescedId(ws, copy.accountId, `platform:${reason}`, receivedAt);
      writes.push(rejections.rows.add(ctx.store, { id: copyId, receivedAt, workspaceId: ws, outcome: "rejected", ...copy, ...flag, count: 1 }));
    }
    await Promise.all(writes);
    // No body, no header: the reason and the few checked fields an operator needs to find it.
    ctx.log.warn(
      {
        reason,
        status: answer.status,
        address: d.address,
        endpoint: d.routeAccountId ? `account ${d.routeAccountId}` : "platform",
        verified: !o.unverified,
        accountId: claim?.account ?? row.accountId,
        eventId: claim?.id ?? null,
        workspaceIds: [...new Set([workspaceId, ...copyTo].filter((w): w is string => w !== null))],
      },
      "webhook delivery rejected",
    );
    return answer;
  };
  const bare = { eventId: null, type: null, livemode: null, apiVersion: null };

  // An unsigned post is refused whatever it is; one from an address past its limit costs no read.
  if (!d.signature && limiter.exhausted(d.address, receivedAt)) return tooMany();
  const routed = d.routeAccountId ? await accountEndpointSecrets(ctx.config, ctx.store, d.routeAccountId) : null;
  const routeWorkspace = routed?.[0]?.connection.workspaceId ?? null;
  // A global row cannot trust the account named in the URL (anyone can invent one), so rejected
  // global rows are coalesced over every account; a workspace's rows per its own account.
  const routeAccount = routeWorkspace ? d.routeAccountId : null;

  const failure = routed ? verify(d, routed.map((r) => r.secret), receivedAt) : await verifyPlatform(ctx, d, receivedAt);
  if (failure) {
    return rejected(routeWorkspace, failure.reason, { ...bare, accountId: routeAccount, message: failure.message }, reply(401, "invalid_signature", failure.message), {
      unverified: true,
    });
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(d.rawBody.toString("utf8"));
  } catch {
    const message = "The body is signed but is not JSON.";
    return rejected(routeWorkspace, "not_json", { ...bare, accountId: routeAccount, message }, reply(400, "malformed_event", message));
  }
  const normalized = normalizeEvent(parsed);
  if (!normalized.ok) {
    const raw = parsed as { id?: unknown; type?: unknown; api_version?: unknown; livemode?: unknown };
    const row = {
      eventId: typeof raw.id === "string" ? raw.id : null,
      type: typeof raw.type === "string" ? raw.type : null,
      accountId: routeAccount,
      livemode: typeof raw.livemode === "boolean" ? raw.livemode : null,
      apiVersion: typeof raw.api_version === "string" ? raw.api_version : null,
      message: normalized.message,
    };
    return rejected(routeWorkspace, normalized.code, row, reply(400, normalized.code, normalized.message));
  }

  // From here on the delivery is signed by Stripe: one row each, never limited.
  const log = (entry: Row) => ctx.store.addDelivery({ id: deliveryId, receivedAt, ...entry, count: 1 });
  const event: EventInfo = { ...normalized.event, accountId: normalized.event.accountId ?? d.routeAccountId };
  const base = { eventId: event.id, type: event.type, accountId: event.accountId, livemode: event.livemode, apiVersion: event.apiVersion };
  // An account endpoint's connections were read to find its secrets; the platform's are looked up,
  // in the same round trip as what applying the event reads first (its record, its log row and
  // the handler's lookups), handed to recordEventOnce below.
  const readAhead = (ws: string) => [...ctx.store.eventKeys(ws, event.id, deliveryId), ...hintedKeys(ws, readHints(normalized.data))];
  const found = routed
    ? { connection: routed.find((r) => r.connection.livemode === event.livemode)?.connection ?? null, ahead: undefined }
    : event.accountId
      ? await ctx.store.connectionWith(event.accountId, event.livemode, readAhead)
      : { connection: null, ahead: undefined };
  const connection = found.connection;
  if (!connection) {
    const message = event.accountId
      ? `No workspace has Stripe account ${event.accountId} connected in ${event.livemode ? "live" : "test"} mode; event ignored.`
      : "The event belongs to the platform account itself, not to a connected merchant; ignored.";
    await log({ workspaceId: routeWorkspace, ...base, outcome: "ignored", message });
    return { status: 200, body: { received: true, outcome: "ignored" } };
  }
  const workspaceId = connection.workspaceId;
  if (connection.status !== "connected" && normalized.data.type !== "deauthorized") {
    await log({ workspaceId, ...base, outcome: "ignored", message: `Stripe account ${event.accountId ?? connection.accountId} is disconnected from Icodrip; event ignored. Connect it again to count its payments.` });
    return { status: 200, body: { received: true, outcome: "ignored" } };
  }

  // Promotion codes the payload cannot name are asked of Stripe here, outside the transaction;
  // when Stripe cannot answer, nothing is recorded and Stripe retries the delivery.
  let data = normalized.data;
  try {
    data = await withPromotions(ctx, connection, event.id, normalized.data);
  } catch (error) {
    ctx.log.warn({ err: error, eventId: event.id, workspaceId }, "webhook could not read promotion codes from Stripe");
    const why = error instanceof StripeReadFailed ? error.message : `Reading the payment's promotion codes failed (${(error as Error).message}).`;
    const message = `${why} Event ${event.id} was not applied; Stripe will retry it. If this repeats, check the connection on Settings > Integrations.`;
    await log({ workspaceId, ...base, outcome: "failed", message }).catch(() => {});
    return reply(503, "stripe_unreachable", message);
  }

  // The delivery's row is written in the same commit as the event and its effects, so the log
  // says processed exactly when the event was applied, and duplicate exactly when it had been.
  const duplicateMessage = `Event ${event.id} was delivered before and already applied; this delivery changed nothing.`;
  try {
    const result = await ctx.store.recordEventOnce(
      workspaceId,
      event.id,
      (unit) => {
        const now = ctx.now();
        return dispatch(new Ledger(unit, workspaceId, now), event, data, now);
      },
      (r) => ({
        id: deliveryId,
        receivedAt,
        workspaceId,
        ...base,
        ...(r.duplicate ? { outcome: "duplicate" as const, message: duplicateMessage } : r.result),
        count: 1,
      }),
      { deliveryId, readAhead: readAhead(workspaceId), ahead: found.ahead },
    );
    await noteLastEvent(ctx, connection, receivedAt);
    const outcome = result.duplicate ? "duplicate" : result.result.outcome;
    return { status: 200, body: { received: true, outcome } };
  } catch (error) {
    ctx.log.error({ err: error, eventId: event.id, workspaceId }, "webhook processing failed");
    const cause = error instanceof CommitOutcomeUnknown ? (error.cause instanceof Error ? error.cause.message : String(error.cause)) : (error as Error).message;
    const message =
      error instanceof CommitOutcomeUnknown
        ? `Event ${event.id} may or may not have been applied: the store did not confirm the commit (${cause}). Stripe will retry it, and a retry of an applied event answers duplicate.`
        : `Applying event ${event.id} failed (${cause}); nothing was changed and Stripe will retry it.`;
    // Written under the delivery's own id only if no row has it: had the unknown commit applied,
    // its "processed" row is there and stays the only one.
    await log({ workspaceId, ...base, outcome: "failed", message }).catch(() => {});
    return reply(500, "processing_failed", message);
  }
}

// What a rejected delivery's body may tell: these five fields, each checked against Stripe's
// formats or dropped, and nothing else of it is kept, shown or logged. For an unverified body
// they are a claim, never trusted for anything but choosing whose log may show the rejection.
const claimField = (pattern: RegExp, max: number) => z.string().max(max).regex(pattern).nullable().catch(null);
const ClaimSchema = z.object({
  id: claimField(/^evt_[A-Za-z0-9]+$/, 255),
  type: claimField(/^[a-z_]+(\.[a-z_]+)+$/, 100),
  account: claimField(/^acct_[A-Za-z0-9]+$/, 69),
  livemode: z.boolean().nullable().catch(null),
  api_version: claimField(/^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$/, 40),
});

interface Claim {
  id: string | null;
  type: string | null;
  account: string | null;
  livemode: boolean | null;
  apiVersion: string | null;
}

function claimOf(rawBody: Buffer): Claim | null {
  let body: unknown;
  try {
    body = JSON.parse(rawBody.toString("utf8"));
  } catch {
    return null;
  }
  const parsed = ClaimSchema.safeParse(body);
  if (!parsed.success) return null;
  const { api_version, ...rest } = parsed.data;
  return { ...rest, apiVersion: api_version };
}

/** The workspaces that connected the account in the claimed mode, or in either if none is claimed. */
async function workspacesOf(ctx: AppContext, accountId: string, livemode: boolean | null): Promise<string[]> {
  const found = new Set<string>();
  for (const mode of livemode === null ? [false, true] : [livemode]) {
    const connection = await ctx.store.connectionByAccount(accountId, mode);
    if (connection?.status === "connected") found.add(connection.workspaceId);
  }
  return [...found];
}

/**
 * The id of the row a rejected delivery is counted in: one per log (workspace or global),
 * account, reason and minute, so a flood adds to a count instead of adding rows.
 */
function coalescedId(workspaceId: string | null, accountId: string | null, reason: string, at: number): string {
  const minute = Math.floor(at / COALESCE_MS);
  const digest = createHash("sha256").update(`${workspaceId ?? "global"}|${accountId ?? ""}|${reason}|${minute}`).digest("base64url");
  return `whd_${digest.slice(0, 16)}`;
}

function tooMany(): IngestAnswer {
  return reply(
    429,
    "too_many_rejected",
    "Too many deliveries from this address were rejected in the last minute; this one was refused unlogged. Signed deliveries from Stripe are never limited.",
  );
}

// "Last event received" is shown on the integration's status. It is a hint, not money: written at
// most once a second per connection, and a failure to write it never fails the delivery.
// Deliveries arriving together all read the connection before any has noted the time, so each
// would write it, every such write conflicting with the others (a rerun, and on the embedded
// store a disk sync, apiece): one write per connection per second in this process is enough.
const lastNoted = new WeakMap<Store, Map<string, number>>();

async function noteLastEvent(ctx: AppContext, connection: StripeConnection, at: number): Promise<void> {
  if (connection.lastEventAt !== null && at - connection.lastEventAt < 1_000) return;
  let noted = lastNoted.get(ctx.store);
  if (!noted) lastNoted.set(ctx.store, (noted = new Map<string, number>()));
  const id = `${connection.workspaceId}|${connection.accountId}|${connection.livemode ? "live" : "test"}`;
  const before = noted.get(id);
  // abs: a clock set back (tests travel in time) must not silence the note for longer.
  if (before !== undefined && Math.abs(at - before) < 1_000) return;
  if (noted.size >= 10_000) noted.clear();
  noted.set(id, at);
  await ctx.store.touchConnection(connection.workspaceId, connection.accountId, connection.livemode, at).catch((error: unknown) => {
    ctx.log.warn({ err: error, accountId: connection.accountId }, "could not note the last event time");
  });
}

/**
 * A delivery to the platform endpoint, verified against STRIPE_WEBHOOK_SECRET first: one that
 * verifies needs no read of the secrets Icodrip stored for the endpoints it created, which every
 * delivery used to pay for. Any other outcome is decided with every secret, as before.
 */
async function verifyPlatform(ctx: AppContext, d: Delivery, receivedAt: number): Promise<{ reason: string; message: string } | null> {
  const env = ctx.config.stripe.webhookSecret;
  if (env && d.signature && verify(d, [env], receivedAt) === null) return null;
  return verify(d, await platformSecrets(ctx.config, ctx.store), receivedAt);
}

function verify(d: Delivery, secrets: string[], receivedAt: number): { reason: string; message: string } | null {
  if (!d.signature) return { reason: "unsigned", message: "The request has no Stripe-Signature header; only Stripe's signed deliveries are accepted." };
  if (secrets.length === 0) {
    return {
      reason: "no_endpoint",
      message: d.routeAccountId
        ? `No webhook endpoint is registered for account ${d.routeAccountId}; connect it in Settings > Integrations.`
        : "No signing secret is configured for the platform endpoint; set STRIPE_WEBHOOK_SECRET or connect an account through OAuth.",
    };
  }
  // stripe-node types the verifier as possibly absent; without it nothing can be verified at all.
  const signature = Stripe.webhooks.signature;
  if (!signature) throw new Error("stripe-node offers no webhook signature verifier");
  let firstError = "";
  let verified = false;
  for (const secret of secrets) {
    try {
      // Tolerance 0: stripe-node checks only the signature here; the time is checked below, both
      // ways, against the injected clock (stripe-node would check the past only, on Date.now()).
      signature.verifyHeader(d.rawBody, d.signature, secret, 0);
      verified = true;
      break;
    } catch (error) {
      firstError ||= (error as Error).message.split("\n")[0].trim();
    }
  }
  if (!verified) {
    return {
      reason: "signature",
      message: `The Stripe-Signature did not verify: ${firstError} The endpoint's signing secret may have been rolled in Stripe; press Repair Webhooks in Settings › Integrations.`,
    };
  }
  const stamped = signedAt(d.signature);
  const age = Math.floor(receivedAt / 1000) - stamped;
  if (!Number.isFinite(age) || age > SIGNATURE_TOLERANCE_S) {
    return {
      reason: "stale",
      message: `The Stripe-Signature timestamp is ${Number.isFinite(age) ? `${age} s old` : "unreadable"}, outside the ${SIGNATURE_TOLERANCE_S} s tolerance; a replayed delivery is refused. Stripe retries with a fresh signature.`,
    };
  }
  if (-age > SIGNATURE_TOLERANCE_S) {
    return {
      reason: "future",
      message: `The Stripe-Signature timestamp is ${-age} s in the future, outside the ${SIGNATURE_TOLERANCE_S} s tolerance; check this server's clock.`,
    };
  }
  return null;
}

/** The `t=` of a Stripe-Signature header, read as stripe-node reads it (the last one wins). */
function signedAt(header: string): number {
  let timestamp = NaN;
  for (const item of header.split(",")) {
    const [key, value] = item.split("=");
    if (key === "t") timestamp = parseInt(value, 10);
  }
  return timestamp;
}

function reply(status: number, code: string, message: string): IngestAnswer {
  return { status, body: { error: { code, message } } };
}
