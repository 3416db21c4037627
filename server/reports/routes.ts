import { Router } from "express";
import { z } from "zod";
import type { AppContext } from "../http/context.js";
import { ApiError } from "../http/errors.js";
import { parseRequest } from "../http/parse.js";
import type { Affiliate } from "../domain/types.js";
import { DAY_MS, utcDay } from "../domain/calendar.js";
import { reportAffiliates, reportSummary, reportTimeseries, type ReportQuery } from "./service.js";
import { presentFigures } from "./present.js";

// GET /api/v1/reports/*: summary, per-day series and per-affiliate rows for a range of UTC days.

/** Two years and a day: a year against the year before fits; more is a data export, not a report. */
export const MAX_REPORT_DAYS = 731;
const DEFAULT_DAYS = 30;

const isoDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "should be a date as YYYY-MM-DD")
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && utcDay(Date.parse(`${d}T00:00:00Z`)) === d, "should be a real calendar date");

export const reportQuery = z.object({
  from: isoDay.optional().describe("First UTC day, YYYY-MM-DD (default: 29 days before `to`)."),
  to: isoDay.optional().describe("Last UTC day, YYYY-MM-DD, inclusive (default: today)."),
  programId: z.string().optional().describe("Only this program's figures."),
  affiliateId: z.string().optional().describe("Only this affiliate's figures."),
  livemode: z.enum(["true", "false"], { error: "should be true or false" }).optional().describe("Live or test payments only; both added up when absent."),
});

export const timeseriesQuery = reportQuery.extend({
  interval: z.enum(["day"], { error: "should be day" }).optional().describe("The length of each entry; only day for now."),
});

/** Resolves the defaults and checks the range; a bad range is a 400 naming from/to. */
export function resolveRange(q: z.infer<typeof reportQuery>, now: number): ReportQuery {
  const to = q.to ?? utcDay(now);
  const from = q.from ?? utcDay(Date.parse(`${to}T00:00:00Z`) - (DEFAULT_DAYS - 1) * DAY_MS);
  const span = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS + 1;
  if (span < 1) throw new ApiError(400, "invalid_request", "The range ends before it starts: `from` must be on or before `to`.", { from: "is after to" });
  if (span > MAX_REPORT_DAYS) {
    throw new ApiError(400, "invalid_request", `The range covers ${span} days; a report covers at most ${MAX_REPORT_DAYS}. Ask for a shorter range.`, { from: "too far before to" });
  }
  return {
    from,
    to,
    programId: q.programId,
    affiliateId: q.affiliateId,
    mode: q.livemode === undefined ? undefined : q.livemode === "true" ? "live" : "test",
  };
}

export function reportRoutes(ctx: AppContext): Router {
  const router = Router();

  router.get("/reports/summary", async (req, res) => {
    const q = resolveRange(parseRequest(reportQuery, req.query), ctx.now());
    const figures = await reportSummary(ctx.store, res.locals.workspace.id, q, ctx.now());
    res.json({ from: q.from, to: q.to, ...presentFigures(figures) });
  });

  router.get("/reports/timeseries", async (req, res) => {
    const parsed = parseRequest(timeseriesQuery, req.query);
    const q = resolveRange(parsed, ctx.now());
    const days = await reportTimeseries(ctx.store, res.locals.workspace.id, q, ctx.now());
    res.json({ from: q.from, to: q.to, interval: "day", data: days.map((d) => ({ date: d.date, ...presentFigures(d) })) });
  });

  router.get("/reports/affiliates", async (req, res) => {
    const q = resolveRange(parseRequest(reportQuery, req.query), ctx.now());
    const workspaceId = res.locals.workspace.id;
    const rows = await reportAffiliates(ctx.store, workspaceId, q, ctx.now());
    const found = await Promise.all(rows.map((r) => ctx.store.getAffiliate(workspaceId, r.affiliateId)));
    const byId = new Map(found.filter((a): a is Affiliate => a !== null).map((a) => [a.id, a]));
    res.json({
      from: q.from,
      to: q.to,
      data: rows.map((r) => {
        const a = byId.get(r.affiliateId);
        // A deleted affiliate keeps its figures; its name is gone with it.
        return { affiliateId: r.affiliateId, programId: r.programId, name: a?.name ?? null, code: a?.code ?? null, ...presentFigures(r) };
      }),
    });
  });

  // What open pages poll to know that a click or a conversion was written: a few bytes, the
  // same cost for a workspace of any size.
  router.get("/reports/version", async (_req, res) => {
    const v = await ctx.store.statsVersion(res.locals.workspace.id);
    res.set("Cache-Control", "no-store").json({ version: `${v.conversions}.${v.clicks}`, conversions: v.conversions, clicks: v.clicks });
  });

  return router;
}
