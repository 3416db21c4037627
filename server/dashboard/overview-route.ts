import type { RequestHandler } from "express";
import { z } from "zod";
import { ApiError } from "../http/errors.js";
import type { AppContext } from "../http/context.js";
import { DAY_MS, utcDay } from "../domain/calendar.js";
import { daysBetween, type Mode } from "../reports/figures.js";
import { MAX_REPORT_DAYS, resolveRange } from "../reports/routes.js";
import { reportAffiliates, reportSummary, reportTimeseries, type ReportQuery } from "../reports/service.js";
import { collect } from "./collect.js";
import { sendDashboard } from "./layout.js";
import { overviewPage, type RangeChoice } from "./overview-page.js";
import { anId, oneOf } from "./query.js";
import { memberPage } from "./signed-in.js";

const TOP = 10;
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional().catch(undefined);

const filters = z.object({
  range: oneOf(["7", "30", "90", "custom"]),
  from: day,
  to: day,
  programId: anId,
  mode: oneOf(["test", "live"]),
});

/** The range a page asks for: 7, 30 or 90 days to today, or from/to as typed; and the range of the same length before it. */
export function pageRange(q: { range?: RangeChoice; from?: string; to?: string }, now: number): { choice: RangeChoice; from: string; to: string; previousFrom: string; previousTo: string; message?: string } {
  const today = utcDay(now);
  const last = (n: number) => ({ from: utcDay(now - (n - 1) * DAY_MS), to: today });
  let choice: RangeChoice = q.range ?? (q.from || q.to ? "custom" : "30");
  let picked = choice === "custom" ? { from: q.from ?? last(30).from, to: q.to ?? today } : last(Number(choice));
  let message: string | undefined;
  try {
    picked = resolveRange(picked, now);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    message = `${error.message.replace(/`/g, "")} Showing the last 30 days instead.`;
    choice = "30";
    picked = last(30);
  }
  const length = daysBetween(picked.from, picked.to).length;
  const previousTo = utcDay(Date.parse(`${picked.from}T00:00:00Z`) - DAY_MS);
  const previousFrom = utcDay(Date.parse(`${previousTo}T00:00:00Z`) - (length - 1) * DAY_MS);
  return { choice, from: picked.from, to: picked.to, previousFrom, previousTo, message };
}

/**
 * Live when the workspace takes live payments (a live Stripe connection), else test: a new
 * merchant trying the sandbox sees their test payments without looking for a switch.
 */
export async function defaultMode(ctx: AppContext, workspaceId: string): Promise<Mode> {
  return (await ctx.store.listConnections(workspaceId)).some((c) => c.livemode && c.status === "connected") ? "live" : "test";
}

// The merchant's home page. Everything on it is read from the report counters (a few hash reads
// per day of the range), so it costs the same for a workspace of any size.
export function overviewRoute(ctx: AppContext): RequestHandler {
  return memberPage(ctx, async (req, res, signedIn) => {
    const w = signedIn.workspace.id;
    const f = filters.parse(req.query);
    const now = ctx.now();
    const range = pageRange(f, now);
    const mode: Mode = f.mode ?? (await defaultMode(ctx, w));
    const base = { programId: f.programId, mode };
    const q: ReportQuery = { ...base, from: range.from, to: range.to };
    const [programs, current, previous, days, top, owed] = await Promise.all([
      collect((c) => ctx.store.listPrograms(w, { limit: 100, cursor: c }), 100),
      reportSummary(ctx.store, w, q, now),
      reportSummary(ctx.store, w, { ...base, from: range.previousFrom, to: range.previousTo }, now),
      reportTimeseries(ctx.store, w, q, now),
      reportAffiliates(ctx.store, w, q, now),
      reportSummary(ctx.store, w, { ...base, from: utcDay(now - (MAX_REPORT_DAYS - 1) * DAY_MS), to: utcDay(now) }, now),
    ]);
    const best = top.slice(0, TOP);
    const named = await Promise.all(best.map((a) => ctx.store.getAffiliate(w, a.affiliateId)));
    const body = overviewPage({
      range,
      programId: f.programId,
      mode,
      programs: programs.items,
      current,
      previous,
      days,
      top: best.map((a, i) => ({ ...a, name: named[i]?.name ?? null, code: named[i]?.code ?? null })),
      owed: owed.commission.filter((c) => c.approved > 0),
      message: range.message,
    });
    sendDashboard(res.status(range.message ? 400 : 200), { title: "Overview", tab: "overview", signedIn, body, script: "overview" });
  });
}
