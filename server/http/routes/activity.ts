import { Router } from "express";
import { z } from "zod";
import type { AppContext } from "../context.js";
import { attribute } from "../../domain/conversion.js";
import { Ledger } from "../../store/ledger.js";
import { ApiError, notFound } from "../errors.js";
import { parseRequest } from "../parse.js";
import { conversionFilterQuery, resolveConversionFilter, scanConversions, storeQuery } from "../conversion-filter.js";
import { csvLine, majorUnits, type Cell } from "../csv.js";
import { presentClick, presentConversion, presentDelivery, type ConversionOut } from "../present.js";
import { idParam, listQuery } from "../schemas.js";

export const attributeBody = z.strictObject({ affiliateId: z.string().min(1, "should be an affiliate id") });

// The read side of what happened: clicks, conversions and webhook deliveries.

export const clickList = listQuery.extend({ programId: z.string().optional(), affiliateId: z.string().optional() });

// The list's filters are the Conversions tab's and the export's (conversion-filter.ts); from and to
// also take a plain date there, a UTC day.
export const conversionList = listQuery.extend(conversionFilterQuery.shape);

/** The list's filters without paging: an export holds every conversion they select. */
export const conversionExport = conversionFilterQuery;

const MAX_EXPORT_ROWS = 100_000;

export const CONVERSION_COLUMNS = [
  "id", "created_at", "paid_at", "status", "livemode", "program_id", "affiliate_id", "click_id", "matched_by",
  "amount", "currency", "commission", "refunded_amount", "customer_email", "reason",
  "stripe_account", "checkout_session", "payment_intent", "invoice", "charge", "subscription",
] as const;

function conversionRow(c: ConversionOut): Cell[] {
  return [
    c.id, c.createdAt, c.paidAt, c.status, c.livemode, c.programId, c.affiliateId, c.clickId, c.matchedBy,
    majorUnits(c.amount, c.currency), c.currency, majorUnits(c.commission.amount, c.commission.currency), majorUnits(c.refundedAmount, c.currency),
    c.customerEmail, c.reason,
    c.stripe.accountId, c.stripe.checkoutSessionId, c.stripe.paymentIntentId, c.stripe.invoiceId, c.stripe.chargeId, c.stripe.subscriptionId,
  ];
}

export const deliveryList = listQuery.extend({
  outcome: z
    .enum(["processed", "duplicate", "ignored", "unattributed", "rejected", "failed"], {
      error: "should be processed, duplicate, ignored, unattributed, rejected or failed",
    })
    .optional(),
  type: z.string().max(100).optional(),
});

export function activityRoutes(ctx: AppContext): Router {
  const router = Router();

  router.get("/clicks", async (req, res) => {
    const q = parseRequest(clickList, req.query);
    const page = await ctx.store.listClicks(res.locals.workspace.id, q);
    res.json({ data: page.data.map(presentClick), nextCursor: page.nextCursor });
  });

  router.get("/conversions", async (req, res) => {
    const { limit, cursor, ...q } = parseRequest(conversionList, req.query);
    const now = ctx.now();
    const filter = await resolveConversionFilter(ctx.store, res.locals.workspace.id, q);
    const page = await ctx.store.listConversions(res.locals.workspace.id, { ...storeQuery(filter, now), limit, cursor });
    res.json({ data: page.data.map((c) => presentConversion(c, now)), nextCursor: page.nextCursor });
  });

  // Every conversion the filters select, as a spreadsheet reads it; amounts in major units with
  // their currency. Read page by page from the store and written as it goes.
  router.get("/conversions/export.csv", async (req, res) => {
    const q = parseRequest(conversionExport, req.query);
    const now = ctx.now();
    // Checked before the first byte: once the header row is out, an error can no longer be a 400.
    const filter = await resolveConversionFilter(ctx.store, res.locals.workspace.id, q);
    res
      .status(200)
      .type("text/csv; charset=utf-8")
      .set("Content-Disposition", `attachment; filename="conversions-${new Date(now).toISOString().slice(0, 10)}.csv"`)
      .set("Cache-Control", "no-store");
    res.write(csvLine([...CONVERSION_COLUMNS]));
    for await (const c of scanConversions(ctx.store, res.locals.workspace.id, filter, now, MAX_EXPORT_ROWS)) res.write(csvLine(conversionRow(presentConversion(c, now))));
    res.end();
  });

  router.get("/conversions/:id", async (req, res) => {
    const { id } = parseRequest(idParam, req.params);
    const conversion = await ctx.store.getConversion(res.locals.workspace.id, id);
    if (!conversion) throw notFound(`Conversion ${id}`);
    res.json(presentConversion(conversion, ctx.now()));
  });

  // A merchant gives an unattributed (or wrongly attributed) payment to an affiliate by hand.
  router.post("/conversions/:id/attribute", async (req, res) => {
    const { id } = parseRequest(idParam, req.params);
    const { affiliateId } = parseRequest(attributeBody, req.body);
    const workspaceId = res.locals.workspace.id;
    const updated = await ctx.store.transact(async (unit) => {
      const ledger = new Ledger(unit, workspaceId, ctx.now());
      const conversion = await ledger.conversion(id);
      if (!conversion) throw notFound(`Conversion ${id}`);
      // Its commission belongs to a payout (or was paid): moving it would pay the wrong person.
      if (conversion.payoutId || conversion.paidCommission) {
        throw new ApiError(409, "in_payout", `Conversion ${id} is in payout ${conversion.payoutId ?? "that was paid"}; cancel that payout before giving the conversion to another affiliate.`);
      }
      const affiliate = await ledger.affiliate(affiliateId);
      if (!affiliate) throw new ApiError(404, "not_found", `Affiliate ${affiliateId} was not found in this workspace.`, { affiliateId: "not found" });
      const program = await ledger.program(affiliate.programId);
      if (!program) throw notFound(`Program ${affiliate.programId}`);
      const detail = `Attributed by hand to affiliate ${affiliate.code} on ${new Date(ctx.now()).toISOString()}.`;
      const next = attribute(conversion, { program, affiliate, clickId: null, matchedBy: "manual", detail });
      ledger.saveConversion(next, conversion, []);
      return next;
    });
    res.json(presentConversion(updated, ctx.now()));
  });

  router.get("/webhook-deliveries", async (req, res) => {
    const q = parseRequest(deliveryList, req.query);
    const page = await ctx.store.listDeliveries(res.locals.workspace.id, q);
    res.json({ data: page.data.map(presentDelivery), nextCursor: page.nextCursor });
  });

  return router;
}
