import type { IncomingHttpHeaders } from "node:http";
import { z } from "zod";
import { CLICK_ID_PATTERN } from "../domain/ids.js";
import type { Program } from "../domain/types.js";
import { ipHash } from "../domain/visitor.js";
import type { AppContext } from "../http/context.js";
import { ApiError } from "../http/errors.js";
import { parseRequest } from "../http/parse.js";
import { keptReferral, RATE_WINDOW_MS, rateBucket, recordClick } from "./record-click.js";
import { tracking, visitOf } from "./redirect.js";

// What the snippet's POST /t/click answers, written once for its two doors: the Express route
// (server/http/routes/tracking.ts) and the shortcut in front of Express (http/shortcut.ts),
// which answers the common case without the framework and hands every error to the route.

const clickId = z.string().regex(CLICK_ID_PATTERN, "should be a click id (icd_…)");
const optionalUrl = z.string().max(2000).nullish();

export const clickBody = z
  .object({
    program: z.string().min(1).max(100),
    code: z.string().min(1).max(100).optional(),
    clickId: clickId.optional(),
    existing: z.string().max(200).optional(),
    url: optionalUrl,
    referrer: optionalUrl,
  })
  .refine((b) => b.code || b.clickId, { error: "should carry an affiliate code or a click id", path: ["code"] });

/** The largest body the snippet endpoints read. */
export const SNIPPET_BODY_LIMIT = 4096;

/** What the snippet stores: the click to keep, its affiliate's code and when it lapses. */
export interface SnippetClickAnswer {
  clickId: string;
  affiliate: string | null;
  expiresAt: number;
}

export interface SnippetRequest {
  headers: IncomingHttpHeaders;
  /** the client's address as the trust-proxy setting reads it */
  ip: string;
}

/**
 * Records (or finds) the click a landing page asks for and answers the referral the visitor
 * keeps, with the Origin to grant (null: no Origin was sent). Throws an ApiError for every
 * refusal, before anything is written unless the refusal is the rate limit's, which writes nothing.
 */
export async function snippetClick(ctx: AppContext, body: unknown, request: SnippetRequest): Promise<{ answer: SnippetClickAnswer; grant: string | null }> {
  const input = parseRequest(clickBody, parseJson(body));
  const program = await ctx.links.program(input.program, ctx.now());
  if (!program) throw new ApiError(404, "program_not_found", "No program has this key; check the snippet's data-program attribute.");
  const grant = allowedOrigin(request.headers.origin, program);
  // The snippet keeps no referral on an error answer, and the page goes on as ever.
  if (!tracking(program)) throw new ApiError(409, "program_disabled", "This program is disabled, so it records no clicks; the merchant can enable it on the dashboard's Programs tab.");
  const now = ctx.now();
  // Read beside the click's write rather than before it: one round trip fewer.
  const readExisting = () => (input.existing && CLICK_ID_PATTERN.test(input.existing) ? ctx.store.getClick(program.workspaceId, input.existing) : Promise.resolve(null));
  const limited = () => new ApiError(429, "rate_limited", "Too many clicks from this address; try again in a minute.");

  let incoming, existing, affiliate;
  if (input.code) {
    affiliate = await ctx.links.affiliate(program, input.code, now);
    if (!affiliate || affiliate.status !== "active") {
      throw new ApiError(404, "affiliate_not_found", `No active affiliate has the code "${input.code}" in this program.`);
    }
    const visit = { ...visitOf(request.headers, request.ip), program, affiliate, link: null, landingUrl: input.url ?? null, referrer: input.referrer ?? null };
    [incoming, existing] = await Promise.all([recordClick(ctx.store, ctx.config.secret, visit, now, ctx.config.clickRateLimit), readExisting()]);
    if (!incoming) throw limited();
  } else {
    const [within, click, found] = await Promise.all([withinRate(ctx, request.ip, program.workspaceId), ctx.store.getClick(program.workspaceId, input.clickId ?? ""), readExisting()]);
    if (!within) throw limited();
    if (!click || click.programId !== program.id) throw new ApiError(404, "click_not_found", "This click id is unknown to the program.");
    [incoming, existing] = [click, found];
  }
  // The visitor's cookie held `existing` when this click arrived: record that on the new click,
  // the only evidence a later lead from it comes from the same browser (see domain/lead.ts).
  if (existing && existing.programId === program.id && existing.id !== incoming.id) {
    incoming = (await ctx.store.linkClick(program.workspaceId, incoming.id, existing.id)) ?? incoming;
  }
  const kept = keptReferral(program, incoming, existing, now);
  const keptAffiliate = affiliate?.id === kept.affiliateId ? affiliate : await ctx.store.getAffiliate(program.workspaceId, kept.affiliateId);
  return { answer: { clickId: kept.id, affiliate: keptAffiliate?.code ?? null, expiresAt: kept.expiresAt }, grant };
}

/** The body as JSON: the snippet sends text/plain, which the routes read as a string. */
export function parseJson(text: unknown): unknown {
  if (typeof text !== "string") return text;
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, "invalid_json", "The request body is not valid JSON.");
  }
}

/**
 * Only the program's own site (and its subdomains) may call the snippet endpoints from a
 * browser: answers the Origin to grant, null when none was sent (not a browser's cross-site call).
 */
export function allowedOrigin(origin: string | undefined, program: Program): string | null {
  if (!origin) return null;
  if (!originBelongsTo(origin, program.url)) {
    throw new ApiError(403, "origin_not_allowed", `Requests from ${origin} are not allowed for this program; its site is ${program.url}.`);
  }
  return origin;
}

/** The CORS headers that grant a program's own site a call to the snippet endpoints. */
export function corsGrant(origin: string): Record<string, string> {
  return { "Access-Control-Allow-Origin": origin, "Access-Control-Allow-Methods": "POST", "Access-Control-Allow-Headers": "Content-Type", "Access-Control-Max-Age": "86400" };
}

/**
 * The origin is the program's site or a subdomain of it (www. ignored), on the same scheme and
 * port: https://shop.example.com:8443 is another server than https://shop.example.com. Default
 * ports are normalised by URL (https://x:443 is https://x).
 */
export function originBelongsTo(origin: string, siteUrl: string): boolean {
  if (!URL.canParse(origin)) return false;
  const from = new URL(origin);
  const site = new URL(siteUrl);
  if (from.protocol !== site.protocol || from.port !== site.port) return false;
  const base = site.hostname.replace(/^www\./, "");
  return from.hostname === site.hostname || from.hostname === base || from.hostname.endsWith(`.${base}`);
}

/** Counts a request in its address's click bucket (the same one recordClick counts clicks in). */
export async function withinRate(ctx: AppContext, ip: string, workspaceId: string): Promise<boolean> {
  const bucket = rateBucket(ipHash(ip, ctx.config.secret, ctx.now()), ctx.now());
  return (await ctx.store.hitInWorkspace(workspaceId, bucket, RATE_WINDOW_MS)) <= ctx.config.clickRateLimit;
}
