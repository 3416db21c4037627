import type { ServerResponse } from "node:http";
import express, { Router } from "express";
import type { AppContext } from "../../http/context.js";
import { ingest, REJECTED_RETENTION_MS, type Delivery, type IngestAnswer } from "./ingest.js";
import { Rejections } from "./rejections.js";

/** The largest delivery read (1 MiB; Stripe's events are far smaller). */
export const WEBHOOK_BODY_BYTES = 1024 * 1024;

// One per app context: limits rejected deliveries per client address (req.ip, so TRUST_PROXY
// decides whose address that is behind a proxy) and batches their coalesced rows, whichever door
// (these routes, or http/shortcut.ts in front of Express) a delivery came through.
const rejectionsOf = new WeakMap<AppContext, Rejections>();

/** One delivery, start to end; both doors call this. */
export function answerDelivery(ctx: AppContext, delivery: Delivery): Promise<IngestAnswer> {
  let rejections = rejectionsOf.get(ctx);
  if (!rejections) rejectionsOf.set(ctx, (rejections = new Rejections(REJECTED_RETENTION_MS)));
  return ingest(ctx, delivery, rejections);
}

/** The two webhook routes; both read the raw body, since the signature covers its exact bytes. */
export function webhookRoutes(ctx: AppContext): Router {
  const router = Router();
  const raw = express.raw({ type: () => true, limit: WEBHOOK_BODY_BYTES });
  router.post("/webhooks/stripe", raw, async (req, res) => {
    sendDelivery(res, await answerDelivery(ctx, { rawBody: asBuffer(req.body), signature: req.get("stripe-signature"), routeAccountId: null, address: req.ip ?? "" }));
  });
  router.post("/webhooks/stripe/:accountId", raw, async (req, res) => {
    const accountId = /^acct_[A-Za-z0-9]{1,64}$/.test(req.params.accountId) ? req.params.accountId : "unknown";
    sendDelivery(res, await answerDelivery(ctx, { rawBody: asBuffer(req.body), signature: req.get("stripe-signature"), routeAccountId: accountId, address: req.ip ?? "" }));
  });
  return router;
}

function asBuffer(body: unknown): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.alloc(0);
}

/**
 * The answer as plain JSON, written directly: res.json would also compute an ETag (a hash of the
 * body) that no webhook sender reads. nosniff stays, since helmet does not run on these routes.
 */
export function sendDelivery(res: ServerResponse, answer: IngestAnswer): void {
  res.writeHead(answer.status, { "content-type": "application/json; charset=utf-8", "x-content-type-options": "nosniff" }).end(JSON.stringify(answer.body));
}
