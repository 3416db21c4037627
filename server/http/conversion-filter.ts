import { z } from "zod";
import { conversionTotals, matchesConversion, type ConversionFilter, type CurrencyTotal } from "../domain/conversion-filter.js";
import { CONVERSION_STATUSES, type Conversion, type Page } from "../domain/types.js";
import type { Store } from "../store/store.js";
import { ApiError } from "./errors.js";
import { DAY_MS } from "../domain/calendar.js";

// The conversions' filters as a query string carries them: one schema for GET /conversions,
// its CSV export and the dashboard's Conversions tab, so the tab's "Download CSV" link is its
// own query string and the three can never select different rows.

const TIME_HINT = "should be a date as YYYY-MM-DD, an ISO 8601 time such as 2026-11-27T09:30:00Z, or epoch milliseconds";

/**
 * A bound on createdAt. A plain date is a UTC day, as the reports count them: `from` is its
 * first millisecond and `to` its last, so from=to=2026-11-27 is that whole day.
 */
const timeBound = (edge: "start" | "end") =>
  z
    .string()
    .refine((v) => timeOf(v, edge) !== null, TIME_HINT)
    .transform((v) => timeOf(v, edge) ?? 0);

function timeOf(v: string, edge: "start" | "end"): number | null {
  if (/^\d{1,15}$/.test(v)) return Number(v);
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) {
    const start = Date.parse(`${v}T00:00:00Z`);
    // Date.parse rolls 2026-02-30 over to March; a date that does not round-trip is not one.
    if (Number.isNaN(start) || new Date(start).toISOString().slice(0, 10) !== v) return null;
    return edge === "start" ? start : start + DAY_MS - 1;
  }
  return z.iso.datetime({ offset: true }).safeParse(v).success ? Date.parse(v) : null;
}

export const conversionFilterQuery = z.object({
  programId: z.string().max(100).optional().describe("Only this program's conversions (an unknown id is a 400)."),
  affiliateId: z.string().max(100).optional().describe("Only this affiliate's conversions (an unknown id is a 400)."),
  status: z.enum(CONVERSION_STATUSES, { error: `should be one of ${CONVERSION_STATUSES.join(", ")}` }).optional().describe("Status as of now."),
  livemode: z
    .enum(["true", "false"], { error: "should be true or false" })
    .transform((v) => v === "true")
    .optional()
    .describe("Live (true) or test (false) payments only."),
  customerEmail: z.string().max(200, "should be at most 200 characters").optional().describe("Only conversions whose customer email contains this text, any case."),
  from: timeBound("start").optional().describe("Only conversions recorded at or after this time: YYYY-MM-DD (the UTC day's start), ISO 8601 or epoch milliseconds."),
  to: timeBound("end").optional().describe("Only conversions recorded at or before this time: YYYY-MM-DD (the whole UTC day), ISO 8601 or epoch milliseconds."),
});

export type ConversionFilterQuery = z.infer<typeof conversionFilterQuery>;

/**
 * Checks what the schema cannot: the ids name this workspace's program and affiliate, and the
 * range does not end before it starts. A 400 with a sentence saying what to send instead, since
 * an unknown id would otherwise answer an empty list that looks like "no sales".
 */
export async function resolveConversionFilter(store: Store, workspaceId: string, q: ConversionFilterQuery): Promise<ConversionFilter> {
  const [program, affiliate] = await Promise.all([
    q.programId === undefined ? null : store.getProgram(workspaceId, q.programId),
    q.affiliateId === undefined ? null : store.getAffiliate(workspaceId, q.affiliateId),
  ]);
  const fields: Record<string, string> = {};
  const sentences: string[] = [];
  if (q.programId !== undefined && !program) {
    fields.programId = "is no program of this workspace";
    sentences.push(`There is no program ${q.programId} in this workspace; use an id from GET /api/v1/programs.`);
  }
  if (q.affiliateId !== undefined && !affiliate) {
    fields.affiliateId = "is no affiliate of this workspace";
    sentences.push(`There is no affiliate ${q.affiliateId} in this workspace; use an id from GET /api/v1/affiliates.`);
  }
  if (q.from !== undefined && q.to !== undefined && q.from > q.to) {
    fields.from = "is after to";
    sentences.push("The date range ends before it starts: `from` must be on or before `to`.");
  }
  if (sentences.length > 0) throw new ApiError(400, "invalid_request", sentences.join(" "), fields);
  return q;
}

/** What the store's list takes for a filter: the indexes it has, and the rest as a row test. */
export function storeQuery(f: ConversionFilter, now: number) {
  return { programId: f.programId, affiliateId: f.affiliateId, from: f.from, to: f.to, match: (c: Conversion) => matchesConversion(c, f, now) };
}

/** Every conversion the filter selects, newest first, page by page, up to `cap` rows. */
export async function* scanConversions(store: Store, workspaceId: string, f: ConversionFilter, now: number, cap: number): AsyncGenerator<Conversion> {
  let cursor: string | null = null;
  let rows = 0;
  do {
    const page: Page<Conversion> = await store.listConversions(workspaceId, { ...storeQuery(f, now), limit: 100, cursor });
    for (const c of page.data) {
      if (rows++ >= cap) return;
      yield c;
    }
    cursor = page.nextCursor;
  } while (cursor);
}

export interface FilteredTotals {
  currencies: CurrencyTotal[];
  /** how many conversions the figures cover */
  counted: number;
  /** true when the read stopped before the end of the match: the figures are the newest `counted` ones' */
  capped: boolean;
}

/**
 * The totals of every conversion the filter selects (not only the page on screen), read row by
 * row rather than from the report counters: the counters add up by program, affiliate and day
 * alone, while the tab also filters by status as of now, mode and customer email, and its totals
 * must be the sum of exactly the rows it lists (and exports). Reading rows costs work in
 * proportion to the match, so it stops at `cap` rows or `maxPages` reads of the store (a filter
 * that matches few of many rows scans a lot per page), and says so.
 */
export async function filteredTotals(
  store: Store,
  workspaceId: string,
  f: ConversionFilter,
  now: number,
  limits: { cap: number; maxPages: number },
): Promise<FilteredTotals> {
  const rows: Conversion[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page: Page<Conversion> = await store.listConversions(workspaceId, { ...storeQuery(f, now), limit: 100, cursor });
    rows.push(...page.data);
    cursor = page.nextCursor;
    pages++;
  } while (cursor && rows.length < limits.cap && pages < limits.maxPages);
  const capped = cursor !== null || rows.length > limits.cap;
  if (rows.length > limits.cap) rows.length = limits.cap;
  return { currencies: conversionTotals(rows), counted: rows.length, capped };
}
