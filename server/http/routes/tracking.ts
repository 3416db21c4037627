import express, { Router, type Request, type Response } from "express";
import { z } from "zod";
import { CLICK_ID_PATTERN } from "../../domain/ids.js";
import { normalizeEmail } from "../../domain/email.js";
import type { Program } from "../../domain/types.js";
import { ipHash } from "../../domain/visitor.js";
import { keptReferral, RATE_WINDOW_MS, rateBucket, recordClick } from "../../tracking/record-click.js";
import { TRACKED_HEADERS, trackedLocation, tracking, visitOf } from "../../tracking/redirect.js";
import { recordLead } from "../../tracking/record-lead.js";
import { MAX_EMAILS_PER_CLICK } from "../../domain/lead.js";
import type { AppContext } from "../context.js";
import { html, sendPage } from "../../dashboard/html.js";
import { ApiError } from "../errors.js";
import { parseRequest } from "../parse.js";

// The public, unauthenticated edge the snippet and tracking links talk to. It is hot: one store
// read per lookup, no Stripe calls, small bodies.

const clickId = z.string().regex(CLICK_ID_PATTERN, "should be a click id (icd_…)");
const optionalUrl = z.string().max(2000).nullish();

const clickBody = z
  .object({
    program: z.string().min(1).max(100),
    code: z.string().min(1).max(100).optional(),
    clickId: clickId.optional(),
    existing: z.string().max(200).optional(),
    url: optionalUrl,
    referrer: optionalUrl,
  })
  .refine((b) => b.code || b.clickId, { error: "should carry an affiliate code or a click id", path: ["code"] });

const leadBody = z.object({
  program: z.string().min(1).max(100),
  clickId,
  email: z.string().max(320),
});

export function trackingRoutes(ctx: AppContext): Router {
  const router = Router();
  // The snippet posts text/plain (a "simple" request: no CORS preflight); JSON is accepted too.
  const body = express.text({ type: ["text/plain", "application/json"], limit: "4kb" });

  router.get("/r/:code{/*rest}", async (req, res) => {
    const code = req.params.code;
    // From the instance's cache: a change to the link, its program or its affiliate reaches it
    // within a second (tracking/link-cache.ts).
    const resolved = /^[a-z0-9]{4,40}$/.test(code) ? await ctx.links.resolve(code, ctx.now()) : null;
    if (!resolved) { deadLink(req, res, "This tracking link does not exist; ask the affiliate for a current one."); return; }
    if (!resolved.program) { deadLink(req, res, "This tracking link's program no longer exists; ask the affiliate for a current one."); return; }
    const rest = (req.params as { rest?: string[] }).rest;
    const visit = visitOf(req.headers, req.ip ?? req.socket.remoteAddress ?? "");
    const { location, tracked } = await trackedLocation(ctx, { ...resolved, program: resolved.program }, rest ? `/${rest.join("/")}` : null, req.query, visit);
    if (tracked) res.set(TRACKED_HEADERS);
    res.redirect(302, location);
  });

  // A preflight carries no body, so it cannot name the program the way the POST does. The snippet
  // never preflights (it posts text/plain, a "simple" request; see snippet/api.ts), so only other
  // code posting JSON sends one: it is granted only when the URL names the program
  // (?program=KEY) and the Origin is that program's site. Anything else gets a 204 with no grant,
  // and the browser does not send the request.
  router.options(["/t/click", "/t/lead"], async (req, res) => {
    res.vary("Origin");
    const key = typeof req.query.program === "string" && req.query.program.length <= 100 ? req.query.program : null;
    const origin = req.get("origin");
    const program = key && origin ? await ctx.store.programByKey(key) : null;
    if (program && origin && originBelongsTo(origin, program.url)) grantOrigin(res, origin);
    res.status(204).end();
  });

  router.post("/t/click", body, async (req, res) => {
    const input = parseRequest(clickBody, parseJson(req.body));
    const program = await ctx.links.program(input.program, ctx.now());
    if (!program) throw new ApiError(404, "program_not_found", "No program has this key; check the snippet's data-program attribute.");
    allowOrigin(req, res, program);
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
      const visit = { ...visitOf(req.headers, req.ip ?? ""), program, affiliate, link: null, landingUrl: input.url ?? null, referrer: input.referrer ?? null };
      [incoming, existing] = await Promise.all([recordClick(ctx.store, ctx.config.secret, visit, now, ctx.config.clickRateLimit), readExisting()]);
      if (!incoming) throw limited();
    } else {
      const [within, click, found] = await Promise.all([withinRate(ctx, req, program.workspaceId), ctx.store.getClick(program.workspaceId, input.clickId ?? ""), readExisting()]);
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
    res.json({ clickId: kept.id, affiliate: keptAffiliate?.code ?? null, expiresAt: kept.expiresAt });
  });

  router.post("/t/lead", body, async (req, res) => {
    const input = parseRequest(leadBody, parseJson(req.body));
    const program = await ctx.store.programByKey(input.program);
    if (!program) throw new ApiError(404, "program_not_found", "No program has this key; check the snippet's data-program attribute.");
    allowOrigin(req, res, program);
    if (!(await withinRate(ctx, req, program.workspaceId))) throw new ApiError(429, "rate_limited", "Too many requests from this address; try again in a minute.");
    const email = normalizeEmail(input.email);
    if (!email) throw new ApiError(400, "invalid_request", "The email is not an email address.", { email: "should be an email address" });
    const click = await ctx.store.getClick(program.workspaceId, input.clickId);
    if (!click || click.programId !== program.id) throw new ApiError(404, "click_not_found", "This click id is unknown to the program.");
    const { decision } = await recordLead(ctx.store, { program, click, email, source: "browser" }, ctx.now());
    if (decision.action === "refuse") {
      if (decision.code === "click_not_found") throw new ApiError(404, "click_not_found", "This click id is unknown to the program.");
      throw new ApiError(
        409,
        "lead_limit_reached",
        `This click id has already led ${MAX_EMAILS_PER_CLICK} different emails, the most one visitor may give; the lead was not recorded.`,
      );
    }
    // A lead the email's earlier lead outranks answers the same: a stranger must not learn from
    // this public endpoint whether an email is already someone's lead.
    res.status(202).json({ ok: true });
  });

  return router;
}

/**
 * A link that leads nowhere: a visitor's browser gets a small page saying so (a JSON error would
 * be all they see), an API client or script the usual error shape.
 */
function deadLink(req: Request, res: Response, message: string): void {
  const wantsPage = /\btext\/html\b/.test(req.get("accept") ?? "");
  if (!wantsPage) throw new ApiError(404, "link_not_found", message);
  sendPage(res.status(404), "Link not found", html`<h1>This link does not lead anywhere</h1><p>${message}</p>`);
}

function parseJson(text: unknown): unknown {
  if (typeof text !== "string") return text;
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, "invalid_json", "The request body is not valid JSON.");
  }
}

/** Only the program's own site (and its subdomains) may call the snippet endpoints from a browser. */
function allowOrigin(req: Request, res: Response, program: Program): void {
  const origin = req.get("origin");
  res.vary("Origin");
  if (!origin) return;
  if (!originBelongsTo(origin, program.url)) {
    throw new ApiError(403, "origin_not_allowed", `Requests from ${origin} are not allowed for this program; its site is ${program.url}.`);
  }
  grantOrigin(res, origin);
}

function grantOrigin(res: Response, origin: string): void {
  res.set("Access-Control-Allow-Origin", origin);
  res.set("Access-Control-Allow-Methods", "POST");
  res.set("Access-Control-Allow-Headers", "Content-Type");
  res.set("Access-Control-Max-Age", "86400");
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
async function withinRate(ctx: AppContext, req: Request, workspaceId: string): Promise<boolean> {
  const bucket = rateBucket(ipHash(req.ip ?? "", ctx.config.secret, ctx.now()), ctx.now());
  return (await ctx.store.hitInWorkspace(workspaceId, bucket, RATE_WINDOW_MS)) <= ctx.config.clickRateLimit;
}
