import type { RequestHandler } from "express";
import { z } from "zod";
import type { ConversionFilter } from "../domain/conversion-filter.js";
import { conversionStatusAt } from "../domain/status.js";
import type { Affiliate, Conversion } from "../domain/types.js";
import type { AppContext } from "../http/context.js";
import { conversionFilterQuery, filteredTotals, resolveConversionFilter, storeQuery } from "../http/conversion-filter.js";
import { ApiError } from "../http/errors.js";
import { collect } from "./collect.js";
import { conversionsPage, FILTER_FIELDS, type ConversionsView, type FilterValues } from "./conversions-page.js";
import { sendDashboard } from "./layout.js";
import { pageCursor } from "./query.js";
import { memberPage } from "./signed-in.js";

const PAGE_SIZE = 50;
const MAX_PROGRAMS = 100;
const MAX_CHOICES = 500;
/** The totals read at most this many rows (and store pages) per view; the page says when it stopped. */
const TOTALS_LIMITS = { cap: 5_000, maxPages: 60 };

const paging = z.object({ cursor: pageCursor });

/** The filter fields the URL carries as text; an empty field (the form sends every one) is no filter. */
function typedFilters(query: Record<string, unknown>): FilterValues {
  const values: FilterValues = {};
  for (const k of FILTER_FIELDS) {
    const v = query[k];
    if (typeof v === "string" && v.trim() !== "") values[k] = v.trim();
  }
  // Older links spelled the mode as mode=test|live.
  if (values.livemode === undefined && (query.mode === "live" || query.mode === "test")) values.livemode = String(query.mode === "live");
  return values;
}

const NAMES: Record<string, string> = { programId: "program", affiliateId: "affiliate", status: "status", livemode: "mode", customerEmail: "customer email", from: "from date", to: "to date" };

/**
 * The filters the page can apply, with the API's own rules (conversion-filter.ts): a value the
 * API would answer 400 is left out here, and the page says which and why instead of failing.
 */
async function applicable(ctx: AppContext, workspaceId: string, typed: FilterValues): Promise<{ values: FilterValues; filter: ConversionFilter; problems: string[] }> {
  const problems: string[] = [];
  const dropped = new Set<string>();
  const kept = () => Object.fromEntries(Object.entries(typed).filter(([k]) => !dropped.has(k))) as FilterValues;
  const parsed = conversionFilterQuery.safeParse(typed);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = String(issue.path[0]);
      if (dropped.has(field)) continue;
      problems.push(`The ${NAMES[field] ?? field} filter was not applied: it ${issue.message}.`);
      dropped.add(field);
    }
  }
  try {
    return { values: kept(), filter: await resolveConversionFilter(ctx.store, workspaceId, conversionFilterQuery.parse(kept())), problems };
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    problems.push(`${error.message} That filter was not applied.`);
    for (const field of Object.keys(error.fields ?? {})) dropped.add(field);
    if (error.fields?.from === "is after to") dropped.add("to"); // a reversed range: neither bound is meant
    return { values: kept(), filter: await resolveConversionFilter(ctx.store, workspaceId, conversionFilterQuery.parse(kept())), problems };
  }
}

// Read from the store on every view (and every refresh the page's script makes), so a payment
// Stripe just reported is on the page without anything to restart or rebuild.
export function conversionsRoute(ctx: AppContext): RequestHandler {
  return memberPage(ctx, async (req, res, signedIn) => {
    const workspaceId = signedIn.workspace.id;
    const { cursor } = paging.parse(req.query);
    const now = ctx.now();
    const statusOf = (c: Conversion) => conversionStatusAt(c, now);
    const { values, filter, problems } = await applicable(ctx, workspaceId, typedFilters(req.query));
    const [page, totals, programs, roster] = await Promise.all([
      ctx.store.listConversions(workspaceId, { ...storeQuery(filter, now), limit: PAGE_SIZE, cursor }),
      filteredTotals(ctx.store, workspaceId, filter, now, TOTALS_LIMITS),
      collect((c) => ctx.store.listPrograms(workspaceId, { limit: 100, cursor: c }), MAX_PROGRAMS),
      // The affiliate filter's options and the Attribute action's select box.
      collect((c) => ctx.store.listAffiliates(workspaceId, { limit: 100, cursor: c }), MAX_CHOICES),
    ]);

    const choices = roster.items;
    const known = new Map(choices.map((a) => [a.id, a]));
    // A roster longer than the cap still names the rows' affiliates and the filtered one.
    const missing = [...new Set([...page.data.map((c) => c.affiliateId), filter.affiliateId])].filter((id): id is string => typeof id === "string" && !known.has(id));
    const found = await Promise.all(missing.map((id) => ctx.store.getAffiliate(workspaceId, id)));
    for (const a of found) if (a) known.set(a.id, a);
    const listed = filter.affiliateId && !choices.some((a) => a.id === filter.affiliateId) ? [...choices, ...found.filter((a): a is Affiliate => a?.id === filter.affiliateId)] : choices;

    const view: ConversionsView = {
      rows: page.data,
      statusOf,
      programs: programs.items,
      affiliates: known,
      choices: listed,
      filters: values,
      problems,
      totals,
      cursor,
      nextCursor: page.nextCursor,
    };
    sendDashboard(res, { title: "Conversions", tab: "conversions", signedIn, body: conversionsPage(view), script: "conversions" });
  });
}
