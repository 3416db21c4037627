import { Router } from "express";
import { z } from "zod";
import type { Affiliate, Page, Payout } from "../domain/types.js";
import type { AppContext } from "../http/context.js";
import { csvLine } from "../http/csv.js";
import { ApiError, notFound } from "../http/errors.js";
import { parseRequest } from "../http/parse.js";
import { payoutMethodOut } from "../http/present.js";
import { idParam, listQuery } from "../http/schemas.js";
import { PAYOUT_FORMATS, payoutFile } from "./export.js";
import { cancelPayout, createPayouts, markPayoutPaid } from "./service.js";

// /api/v1/payouts: make payouts from what is due, list them, export a batch file, mark paid, cancel.

const STATUSES = ["pending", "paid", "canceled"] as const;
const MAX_EXPORT = 5000; // PayPal's Payouts Web takes at most 5,000 rows per file

export const payoutOut = z.strictObject({
  id: z.string(),
  programId: z.string(),
  affiliateId: z.string(),
  currency: z.string(),
  livemode: z.boolean(),
  amount: z.number().int().describe("Minor units: the commissions less the claw-backs."),
  status: z.enum(STATUSES),
  conversionIds: z.array(z.string()),
  lines: z.array(z.strictObject({ conversionId: z.string(), kind: z.enum(["commission", "clawback"]), amount: z.number().int() })),
  method: payoutMethodOut.nullable().describe("The affiliate's payout method when the payout was made; null: they had set none."),
  reference: z.string().nullable(),
  createdAt: z.iso.datetime(),
  paidAt: z.iso.datetime().nullable(),
  canceledAt: z.iso.datetime().nullable(),
});
export const payoutPageOut = z.strictObject({ data: z.array(payoutOut), nextCursor: z.string().nullable() });
export const payoutRunOut = z.strictObject({
  data: z.array(payoutOut),
  skipped: z.array(z.strictObject({ affiliateId: z.string(), currency: z.string(), livemode: z.boolean(), amount: z.number().int(), reason: z.enum(["below_minimum", "nothing_due"]) })),
});

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function presentPayout(p: Payout): z.infer<typeof payoutOut> {
  const { workspaceId: _w, createdAt, paidAt, canceledAt, ...rest } = p;
  return { ...rest, conversionIds: [...new Set(p.lines.map((l) => l.conversionId))], createdAt: new Date(createdAt).toISOString(), paidAt: iso(paidAt), canceledAt: iso(canceledAt) };
}

const when = z.iso.datetime({ offset: true, error: "should be an ISO date-time, e.g. 2026-12-01T00:00:00Z" }).or(z.iso.date({ error: "should be an ISO date, e.g. 2026-12-01" }));

export const payoutCreate = z.strictObject({
  programId: z.string().min(1).optional().describe("Only this program's affiliates."),
  before: when.optional().describe("Only commissions approved before this time; claw-backs are taken whenever they are owed."),
  livemode: z.boolean().optional().describe("Live or test commissions only; both (in separate payouts) when absent."),
});
export const payoutPaid = z.strictObject({ reference: z.string().trim().min(1).max(200).optional().describe("Your reference of the transfer.") });
export const payoutList = listQuery.extend({
  status: z.enum(STATUSES, { error: "should be pending, paid or canceled" }).optional(),
  affiliateId: z.string().optional(),
  programId: z.string().optional(),
  currency: z.string().regex(/^[a-zA-Z]{3}$/, "should be a three-letter currency code").transform((c) => c.toLowerCase()).optional(),
});
export const payoutExport = payoutList.omit({ limit: true, cursor: true }).extend({
  format: z.enum(PAYOUT_FORMATS, { error: "should be paypal, wise or generic" }).default("generic"),
  livemode: z.enum(["true", "false"], { error: "should be true or false" }).optional(),
});

export function payoutRoutes(ctx: AppContext): Router {
  const router = Router();

  router.post("/payouts", async (req, res) => {
    const body = parseRequest(payoutCreate, req.body ?? {});
    const w = res.locals.workspace.id;
    if (body.programId && !(await ctx.store.getProgram(w, body.programId))) {
      throw new ApiError(404, "not_found", `Program ${body.programId} was not found in this workspace.`, { programId: "not found" });
    }
    const run = await createPayouts(ctx.store, w, { programId: body.programId, livemode: body.livemode, before: body.before ? Date.parse(body.before) : undefined }, ctx.now());
    res.status(201).json({ data: run.created.map(presentPayout), skipped: run.skipped });
  });

  router.get("/payouts", async (req, res) => {
    const q = parseRequest(payoutList, req.query);
    const page = await ctx.store.listPayouts(res.locals.workspace.id, { ...q, match: (p) => (!q.programId || p.programId === q.programId) && (!q.currency || p.currency === q.currency) });
    res.json({ data: page.data.map(presentPayout), nextCursor: page.nextCursor });
  });

  // A batch file of the payouts the filters select (paypal and wise: those paid by that method).
  router.get("/payouts/export.csv", async (req, res) => {
    const q = parseRequest(payoutExport, req.query);
    const w = res.locals.workspace.id;
    const match = (p: Payout) =>
      (!q.programId || p.programId === q.programId) && (!q.currency || p.currency === q.currency) && (!q.livemode || String(p.livemode) === q.livemode);
    const payouts: Payout[] = [];
    let cursor: string | null = null;
    do {
      const page: Page<Payout> = await ctx.store.listPayouts(w, { status: q.status, affiliateId: q.affiliateId, limit: 200, cursor, match });
      payouts.push(...page.data);
      cursor = page.nextCursor;
    } while (cursor && payouts.length < MAX_EXPORT);
    if (q.format === "paypal" && new Set(payouts.map((p) => p.currency)).size > 1) {
      throw new ApiError(400, "one_currency_per_file", "PayPal takes one currency per payout file; add currency= (e.g. currency=usd) and download one file per currency.", { currency: "required for several currencies" });
    }
    const ids = [...new Set(payouts.map((p) => p.affiliateId))];
    const found = await Promise.all(ids.map((id) => ctx.store.getAffiliate(w, id)));
    const affiliates = new Map(found.filter((a): a is Affiliate => a !== null).map((a) => [a.id, a]));
    const file = payoutFile(q.format, payouts.slice(0, MAX_EXPORT), affiliates);
    res
      .status(200)
      .type("text/csv; charset=utf-8")
      .set("Content-Disposition", `attachment; filename="payouts-${q.format}-${new Date(ctx.now()).toISOString().slice(0, 10)}.csv"`)
      .set("Cache-Control", "no-store")
      // How many selected payouts this format could not hold (their affiliate is paid another way).
      .set("X-Icodrip-Left-Out", String(file.leftOut));
    res.send((file.header ? csvLine(file.header) : "") + file.rows.map(csvLine).join(""));
  });

  router.get("/payouts/:id", async (req, res) => {
    const { id } = parseRequest(idParam, req.params);
    const payout = await ctx.store.getPayout(res.locals.workspace.id, id);
    if (!payout) throw notFound(`Payout ${id}`);
    res.json(presentPayout(payout));
  });

  router.post("/payouts/:id/paid", async (req, res) => {
    const { id } = parseRequest(idParam, req.params);
    const { reference } = parseRequest(payoutPaid, req.body ?? {});
    const payout = await markPayoutPaid(ctx.store, res.locals.workspace.id, id, reference ?? null, ctx.now());
    if (!payout) throw notFound(`Payout ${id}`);
    res.json(presentPayout(payout));
  });

  router.post("/payouts/:id/cancel", async (req, res) => {
    const { id } = parseRequest(idParam, req.params);
    const payout = await cancelPayout(ctx.store, res.locals.workspace.id, id, ctx.now());
    if (!payout) throw notFound(`Payout ${id}`);
    res.json(presentPayout(payout));
  });

  return router;
}
