import express, { Router, type Response } from "express";
import type { AppContext } from "../../http/context.js";
import { ingest, REJECTED_RETENTION_MS, type IngestAnswer } from "./ingest.js";
import { Rejections } from "./rejections.js";

export const WEBHOOK_BODY_LIMIT = "1mb";

/** The two webhook routes; both read the raw body, since the signature covers its exact bytes. */
export function webhookRoutes(ctx: AppContext): Router {
  const router = Router();
  // One per app: limits rejected deliveries per client address (req.ip, so TRUST_PROXY decides
  // whose address that is behind a proxy) and batches their coalesced rows.
  const rejections = new Rejections(REJECTED_RETENTION_MS);
  const raw = express.raw({ type: () => true, limit: WEBHOOK_BODY_LIMIT });
  router.post("/webhooks/stripe", raw, async (req, res) => {
    const answer = await ingest(ctx, { rawBody: asBuffer(req.body), signature: req.get("stripe-signature"), routeAccountId: null, address: req.ip ?? "" }, rejections);
    send(res, answer);
  });
  router.post("/webhooks/stripe/:accountId", raw, async (req, res) => {
    const accountId = /^acct_[A-Za-z0-9]{1,64}$/.test(req.params.accountId) ? req.params.accountId : "unknown";
    const answer = await ingest(ctx, { rawBody: asBuffer(req.body), signature: req.get("stripe-signature"), routeAccountId: accountId, address: req.ip ?? "" }, rejections);
    send(res, answer);
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
function send(res: Response, answer: IngestAnswer): void {
  res.writeHead(answer.status, { "content-type": "application/json; charset=utf-8", "x-content-type-options": "nosniff" }).end(JSON.stringify(answer.body));
}
