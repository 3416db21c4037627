import express, { Router, type Request, type Response } from "express";
import { z } from "zod";
import { CLICK_ID_PATTERN } from "../../domain/ids.js";
import { normalizeEmail } from "../../domain/email.js";
import { TRACKED_HEADERS, trackedLocation, visitOf } from "../../tracking/redirect.js";
import { allowedOrigin, corsGrant, originBelongsTo, parseJson, SNIPPET_BODY_LIMIT, snippetClick, withinRate } from "../../tracking/snippet-click.js";
import { recordLead } from "../../tracking/record-lead.js";
import { MAX_EMAILS_PER_CLICK } from "../../domain/lead.js";
import type { AppContext } from "../context.js";
import { html, sendPage } from "../../dashboard/html.js";
import { ApiError } from "../errors.js";
import { parseRequest } from "../parse.js";

// The public, unauthenticated edge the snippet and tracking links talk to. It is hot: one store
// read per lookup, no Stripe calls, small bodies.

const clickId = z.string().regex(CLICK_ID_PATTERN, "should be a click id (icd_…)");

const leadBody = z.object({
  program: z.string().min(1).max(100),
  clickId,
  email: z.string().max(320),
});

export function trackingRoutes(ctx: AppContext): Router {
  const router = Router();
  // The snippet posts text/plain (a "simple" request: no CORS preflight); JSON is accepted too.
  const body = express.text({ type: ["text/plain", "application/json"], limit: SNIPPET_BODY_LIMIT });

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
    if (program && origin && originBelongsTo(origin, program.url)) res.set(corsGrant(origin));
    res.status(204).end();
  });

  router.post("/t/click", body, async (req, res) => {
    res.vary("Origin");
    const { answer, grant } = await snippetClick(ctx, req.body, { headers: req.headers, ip: req.ip ?? "" });
    if (grant) res.set(corsGrant(grant));
    res.json(answer);
  });

  router.post("/t/lead", body, async (req, res) => {
    const input = parseRequest(leadBody, parseJson(req.body));
    const program = await ctx.store.programByKey(input.program);
    if (!program) throw new ApiError(404, "program_not_found", "No program has this key; check the snippet's data-program attribute.");
    res.vary("Origin");
    const grant = allowedOrigin(req.get("origin"), program);
    if (grant) res.set(corsGrant(grant));
    if (!(await withinRate(ctx, req.ip ?? "", program.workspaceId))) throw new ApiError(429, "rate_limited", "Too many requests from this address; try again in a minute.");
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
