import express, { Router, type NextFunction, type Request, type Response } from "express";
import { z } from "zod";
import { maskEmail } from "../domain/email.js";
import { normalizeEmail } from "../domain/email.js";
import { conversionStatusAt } from "../domain/status.js";
import type { Affiliate, Program } from "../domain/types.js";
import { joinLimit, portalLoginLimit, portalMailLimit, refuse } from "../http/auth-limits.js";
import type { AppContext } from "../http/context.js";
import { ApiError } from "../http/errors.js";
import { parseRequest } from "../http/parse.js";
import { newLink } from "../http/routes/links.js";
import { linkCreate, payoutMethod } from "../http/schemas.js";
import { sameOrigin } from "../http/session.js";
import { DAY_MS, utcDay } from "../domain/calendar.js";
import { reportSummary, reportTimeseries } from "../reports/service.js";
import { portalPayout } from "../payouts/present.js";
import { joinBody, joinProgram } from "./join.js";
import { currentAffiliate, mailSignInLink, signOutOfPortal, type SignedInAffiliate } from "./sign-in.js";

// The affiliates' JSON API under /portal/api. Everything but login and join needs the portal
// session, and reads only the signed-in affiliate's own records: no route takes an affiliate,
// program or workspace id from the request, so there is no id to swap for someone else's.

const MAX_LINKS = 20;
const MAX_DAYS = 731;

declare module "express-serve-static-core" {
  interface Locals {
    portal?: SignedInAffiliate & { program: Program };
  }
}

const loginBody = z.object({ email: z.string().max(320) });
const portalLinkBody = linkCreate.pick({ path: true });
const pageQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(25), cursor: z.string().max(500).optional() });

/** The signed-in affiliate and their program, or 401; a change must come from Icodrip's own pages. */
async function requireAffiliate(ctx: AppContext, req: Request, res: Response, next: NextFunction): Promise<void> {
  const signedIn = await currentAffiliate(ctx, req);
  const program = signedIn ? await ctx.store.getProgram(signedIn.affiliate.workspaceId, signedIn.affiliate.programId) : null;
  if (!signedIn || !program) throw new ApiError(401, "unauthorized", "Sign in to the affiliates' portal first: ask for a sign-in link at /portal/login.");
  if (!["GET", "HEAD"].includes(req.method) && !sameOrigin(ctx, req)) {
    throw new ApiError(403, "cross_origin", "A change must come from the portal's own pages.");
  }
  res.locals.portal = { ...signedIn, program };
  next();
}

export function presentMe(affiliate: Affiliate, program: Program) {
  return {
    affiliate: { id: affiliate.id, name: affiliate.name, email: affiliate.email, code: affiliate.code, status: affiliate.status, payoutMethod: affiliate.payoutMethod ?? null },
    program: { name: program.name, url: program.url, commission: program.commission, cookieDays: program.cookieDays, recurring: program.recurring },
  };
}

/** The affiliate's whole history (capped at two years), or the range asked for. */
function rangeOf(affiliate: Affiliate, now: number) {
  const to = utcDay(now);
  const from = utcDay(Math.max(affiliate.createdAt, now - (MAX_DAYS - 1) * DAY_MS));
  return { from, to, affiliateId: affiliate.id };
}

/** Mails a fresh sign-in link to every affiliate with this email (at most 5 mails an hour to one email). Never throws. */
export async function sendSignInLinks(ctx: AppContext, email: string): Promise<void> {
  try {
    if (!(await portalMailLimit(ctx, email)).allowed) return;
    for (const affiliate of await ctx.store.affiliatesByEmail(email)) {
      if (affiliate.status === "disabled") continue;
      const program = await ctx.store.getProgram(affiliate.workspaceId, affiliate.programId);
      if (program) await mailSignInLink(ctx, affiliate, program.name, "asked");
    }
  } catch (error) {
    ctx.log.warn({ err: error instanceof Error ? error.message : String(error) }, "a portal sign-in link could not be sent");
  }
}

export function portalApiRoutes(ctx: AppContext): Router {
  const router = Router();
  router.use("/portal/api", express.json({ limit: "16kb" }));
  const signedIn = (req: Request, res: Response, next: NextFunction) => requireAffiliate(ctx, req, res, next);
  const portal = (res: Response) => {
    const p = res.locals.portal;
    if (!p) throw new ApiError(401, "unauthorized", "Sign in to the affiliates' portal first.");
    return p;
  };

  // 202 whatever the email: the answer never tells whether an affiliate has it. The links are
  // mailed after the answer, so its timing tells nothing either.
  router.post("/portal/api/login", async (req, res) => {
    const { email: raw } = parseRequest(loginBody, req.body);
    const limit = await portalLoginLimit(ctx, req);
    if (!limit.allowed) throw refuse(res, limit, "Too many sign-in requests from this address; try again in a minute.");
    res.status(202).json({ message: "If an affiliate has this email, a sign-in link is on its way; it works once, within 15 minutes." });
    const email = normalizeEmail(raw);
    if (email) await sendSignInLinks(ctx, email);
  });

  router.post("/portal/api/join", async (req, res) => {
    const body = parseRequest(joinBody, req.body);
    const limit = await joinLimit(ctx, req);
    if (!limit.allowed) throw refuse(res, limit, "Too many sign-ups from this address; try again later.");
    res.status(201).json(await joinProgram(ctx, body));
  });

  router.post("/portal/api/logout", async (req, res) => {
    await signOutOfPortal(ctx, req, res);
    res.status(204).end();
  });

  router.get("/portal/api/me", signedIn, (_req, res) => {
    const { affiliate, program } = portal(res);
    res.json(presentMe(affiliate, program));
  });

  router.get("/portal/api/links", signedIn, async (_req, res) => {
    const { affiliate } = portal(res);
    // A pending affiliate has no links to show until the merchant approves them.
    if (affiliate.status !== "active") { res.json({ data: [] }); return; }
    const page = await ctx.store.listLinks(affiliate.workspaceId, { affiliateId: affiliate.id, limit: MAX_LINKS });
    res.json({ data: page.data.map((l) => ({ id: l.id, code: l.code, path: l.path, url: `${ctx.config.publicUrl}/r/${l.code}`, createdAt: new Date(l.createdAt).toISOString() })) });
  });

  router.post("/portal/api/links", signedIn, async (req, res) => {
    const { affiliate } = portal(res);
    const body = parseRequest(portalLinkBody, req.body);
    if (affiliate.status !== "active") throw new ApiError(403, "not_approved", "Your application is awaiting the merchant's approval; links come once you are approved.");
    const existing = await ctx.store.listLinks(affiliate.workspaceId, { affiliateId: affiliate.id, limit: MAX_LINKS });
    if (existing.data.length >= MAX_LINKS) throw new ApiError(409, "too_many_links", `You have ${MAX_LINKS} links, the most an affiliate can have; reuse one of them.`);
    const link = newLink(affiliate, body.path ?? null, ctx.now());
    await ctx.store.createLink(link);
    res.status(201).json({ id: link.id, code: link.code, path: link.path, url: `${ctx.config.publicUrl}/r/${link.code}`, createdAt: new Date(link.createdAt).toISOString() });
  });

  router.get("/portal/api/summary", signedIn, async (_req, res) => {
    const { affiliate } = portal(res);
    const now = ctx.now();
    const figures = await reportSummary(ctx.store, affiliate.workspaceId, rangeOf(affiliate, now), now);
    res.json({
      clicks: figures.clicks,
      conversions: figures.conversions,
      // pending: still in the hold (or held by a dispute); due: approved, to be paid; paid: paid out.
      earnings: figures.commission.map((c) => ({ currency: c.currency, pending: c.pending + c.onHold, due: c.approved, paid: c.paid })),
    });
  });

  router.get("/portal/api/timeseries", signedIn, async (_req, res) => {
    const { affiliate } = portal(res);
    const now = ctx.now();
    const range = { from: utcDay(now - 29 * DAY_MS), to: utcDay(now), affiliateId: affiliate.id };
    const days = await reportTimeseries(ctx.store, affiliate.workspaceId, range, now);
    res.json({ data: days.map((d) => ({ date: d.date, clicks: d.clicks, conversions: d.conversions })) });
  });

  router.get("/portal/api/conversions", signedIn, async (req, res) => {
    const { affiliate } = portal(res);
    const q = parseRequest(pageQuery, req.query);
    const now = ctx.now();
    const page = await ctx.store.listConversions(affiliate.workspaceId, { affiliateId: affiliate.id, limit: q.limit, cursor: q.cursor });
    res.json({
      data: page.data.map((c) => ({
        id: c.id,
        createdAt: new Date(c.createdAt).toISOString(),
        amount: c.amount,
        currency: c.currency,
        commission: c.commission,
        status: conversionStatusAt(c, now),
        kind: c.kind,
        customerEmail: maskEmail(c.customerEmail),
      })),
      nextCursor: page.nextCursor,
    });
  });

  // The affiliate's payouts, newest first; canceled ones are the merchant's business, not theirs.
  router.get("/portal/api/payouts", signedIn, async (req, res) => {
    const { affiliate } = portal(res);
    const q = parseRequest(pageQuery, req.query);
    const page = await ctx.store.listPayouts(affiliate.workspaceId, { affiliateId: affiliate.id, limit: q.limit, cursor: q.cursor, match: (p) => p.status !== "canceled" });
    res.json({ data: page.data.map(portalPayout), nextCursor: page.nextCursor });
  });

  router.put("/portal/api/payout-method", signedIn, async (req, res) => {
    const { affiliate } = portal(res);
    const method = parseRequest(payoutMethod, req.body);
    const after = await ctx.store.updateAffiliate(affiliate.workspaceId, affiliate.id, { payoutMethod: method });
    if (!after) throw new ApiError(401, "unauthorized", "Your affiliate account is gone; ask the merchant.");
    res.json({ payoutMethod: after.payoutMethod ?? null });
  });

  return router;
}
