import { createHash } from "node:crypto";
import type { Request, Response } from "express";
import { newToken } from "../domain/ids.js";
import type { Affiliate } from "../domain/types.js";
import type { AppContext } from "../http/context.js";
import { cookieOptions, readSignedCookie, setSignedCookie } from "../http/session.js";
import type { PortalSession } from "../store/store.js";
import { DAY_MS } from "../domain/calendar.js";

// Affiliates sign in without a password: a single-use link, mailed to them (valid 15 minutes) or
// handed over by the merchant (7 days). A link is a random token; only its hash is stored, under
// a lookup that expires with it, and the affiliate records the id of its one valid link, so a new
// link voids the older ones and a used link is spent in the same unit that starts the session.
//
// The portal session is a record of its own with the cookie `icodrip_portal` (HttpOnly,
// SameSite=Lax, Path=/portal): it is never sent to the merchant's dashboard or API, and the
// merchant's session cookie opens nothing under /portal.

export const PORTAL_COOKIE = "icodrip_portal";
export const PORTAL_SESSION_TTL_MS = 30 * DAY_MS;
export const MAILED_LINK_TTL_MS = 15 * 60 * 1000;
export const MERCHANT_LINK_TTL_MS = 7 * DAY_MS;

export const tokenHash = (token: string) => createHash("sha256").update(`portal-link:${token}`).digest("base64url");

/** A new single-use sign-in link for the affiliate; older ones stop working. */
export async function issueSignInLink(ctx: AppContext, affiliate: Affiliate, ttlMs: number): Promise<{ url: string; expiresAt: number } | null> {
  const now = ctx.now();
  const token = newToken(32);
  const expiresAt = now + ttlMs;
  const issued = await ctx.store.issuePortalLink(affiliate, tokenHash(token), newToken(12), expiresAt, now);
  return issued ? { url: `${ctx.config.publicUrl}/portal/auth/${token}`, expiresAt } : null;
}

/** Mails a fresh 15-minute link to the affiliate (or writes it to the log without SMTP_URL). */
export async function mailSignInLink(ctx: AppContext, affiliate: Affiliate, programName: string, reason: "asked" | "joined" | "approved"): Promise<void> {
  const link = await issueSignInLink(ctx, affiliate, MAILED_LINK_TTL_MS);
  if (!link) return;
  const opening = {
    asked: `Someone (hopefully you) asked to sign in to the ${programName} affiliate portal.`,
    joined: `Welcome to the ${programName} affiliate program.`,
    approved: `Your application to the ${programName} affiliate program was approved.`,
  }[reason];
  await ctx.mailer.send({
    to: affiliate.email,
    subject: `Your sign-in link for ${programName}`,
    text:
      `Hello ${affiliate.name},\n\n${opening}\n\nSign in with this link within 15 minutes; it works once:\n${link.url}\n\n` +
      `If you did not ask for it, ignore this message: nothing happens without the link.\n`,
  });
}

/** The workspace and session id the portal cookie names, if its signature holds. */
function portalRef(ctx: AppContext, req: Request): { workspaceId: string; sessionId: string } | null {
  const value = readSignedCookie(ctx, req, PORTAL_COOKIE);
  const match = value ? /^(ws_[A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{32,64})$/.exec(value) : null;
  return match ? { workspaceId: match[1], sessionId: match[2] } : null;
}

export interface SignedInAffiliate {
  session: PortalSession;
  affiliate: Affiliate;
}

/** The signed-in affiliate, or null: no cookie, a forged or ended one, an expired session, or a disabled or deleted affiliate. */
export async function currentAffiliate(ctx: AppContext, req: Request): Promise<SignedInAffiliate | null> {
  const ref = portalRef(ctx, req);
  if (!ref) return null;
  const session = await ctx.store.getPortalSession(ref.workspaceId, ref.sessionId);
  if (!session || session.expiresAt <= ctx.now()) return null;
  const affiliate = await ctx.store.getAffiliate(session.workspaceId, session.affiliateId);
  if (!affiliate || affiliate.status === "disabled") return null;
  return { session, affiliate };
}

/** Spends a sign-in link and starts the portal session; answers why not when it cannot. */
export async function signInWithLink(ctx: AppContext, res: Response, token: string): Promise<{ affiliate: Affiliate } | { refused: "unknown" | "used" | "expired" | "disabled" }> {
  const now = ctx.now();
  const session: PortalSession = { id: newToken(32), workspaceId: "", affiliateId: "", createdAt: now, expiresAt: now + PORTAL_SESSION_TTL_MS };
  const result = await ctx.store.usePortalLink(tokenHash(token), session);
  if ("affiliate" in result) setSignedCookie(ctx, res, PORTAL_COOKIE, `${result.affiliate.workspaceId}.${session.id}`, PORTAL_SESSION_TTL_MS, "/portal");
  return result;
}

/** Ends this browser's portal session: the record goes, the cookie with it. */
export async function signOutOfPortal(ctx: AppContext, req: Request, res: Response): Promise<void> {
  const ref = portalRef(ctx, req);
  if (ref) await ctx.store.deletePortalSession(ref.workspaceId, ref.sessionId);
  const { maxAge: _m, ...options } = cookieOptions(ctx, 0, "/portal");
  res.clearCookie(PORTAL_COOKIE, options);
}
