import type { RequestHandler } from "express";
import { z } from "zod";
import { conversionStatusAt } from "../domain/status.js";
import type { AppContext } from "../http/context.js";
import { presentLink } from "../http/present.js";
import { reportSummary, reportTimeseries, type ReportQuery } from "../reports/service.js";
import { sendDashboard } from "./layout.js";
import { affiliatePage, missingAffiliatePage } from "./affiliate-page.js";
import { defaultMode, pageRange } from "./overview-route.js";
import { oneOf } from "./query.js";
import { memberPage } from "./signed-in.js";

const RECENT = 20;
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional().catch(undefined);
const filters = z.object({ range: oneOf(["7", "30", "90", "custom"]), from: day, to: day, mode: oneOf(["test", "live"]) });
const affiliateId = z.string().regex(/^[A-Za-z0-9_-]{1,100}$/);

// One affiliate: their figures over a range (from the report counters, like the Overview), their
// links, their latest conversions, and what can be done to them. The lists are bounded (the
// latest conversions; a link per page the affiliate promotes), so the page costs the same for an
// affiliate with ten sales or ten thousand.
export function affiliateRoute(ctx: AppContext): RequestHandler {
  return memberPage(ctx, async (req, res, signedIn) => {
    const w = signedIn.workspace.id;
    const id = affiliateId.safeParse(req.params.id);
    const affiliate = id.success ? await ctx.store.getAffiliate(w, id.data) : null;
    if (!affiliate) {
      sendDashboard(res.status(404), { title: "No such affiliate", tab: "affiliates", signedIn, body: missingAffiliatePage() });
      return;
    }
    const f = filters.parse(req.query);
    const now = ctx.now();
    const range = pageRange(f, now);
    const mode = f.mode ?? (await defaultMode(ctx, w));
    const q: ReportQuery = { affiliateId: affiliate.id, mode, from: range.from, to: range.to };
    const [program, current, previous, days, links, conversions, payouts] = await Promise.all([
      ctx.store.getProgram(w, affiliate.programId),
      reportSummary(ctx.store, w, q, now),
      reportSummary(ctx.store, w, { ...q, from: range.previousFrom, to: range.previousTo }, now),
      reportTimeseries(ctx.store, w, q, now),
      ctx.store.listLinks(w, { limit: 100, affiliateId: affiliate.id }),
      ctx.store.listConversions(w, { limit: RECENT, affiliateId: affiliate.id }),
      ctx.store.listPayouts(w, { limit: RECENT, affiliateId: affiliate.id }),
    ]);
    const body = affiliatePage({
      affiliate,
      program,
      range,
      mode,
      current,
      previous,
      days,
      links: [...links.data].reverse().map((link) => ({ link, url: presentLink(link, ctx.config.publicUrl).url })),
      moreLinks: links.nextCursor !== null,
      conversions: conversions.data.map((c) => ({ conversion: c, status: conversionStatusAt(c, now) })),
      moreConversions: conversions.nextCursor !== null,
      payouts: payouts.data,
      message: range.message,
    });
    sendDashboard(res.status(range.message ? 400 : 200), { title: affiliate.name, tab: "affiliates", signedIn, body, script: "affiliate" });
  });
}
