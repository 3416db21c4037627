import type { Request, RequestHandler, Response } from "express";
import { sign, unsign } from "cookie-signature";
import { hashApiKey } from "../domain/password.js";
import type { Member, Workspace } from "../domain/types.js";
import type { AppContext } from "./context.js";
import { ApiError } from "./errors.js";

// A member's browser session is a signed cookie, `<memberId>.<workspaceId>.<issuedAt>`: the
// store has no session documents, and nothing in the cookie is secret, only unforgeable. It
// cannot be revoked before it expires; signing out clears it from the browser.

export const SESSION_COOKIE = "icodrip_session";
export const SESSION_TTL_MS = 7 * 24 * 3600 * 1000;

export interface SignedIn {
  member: Member;
  workspace: Workspace;
}

/** The cookie options every Icodrip cookie shares; Secure whenever the public URL is https. */
export function cookieOptions(ctx: AppContext, maxAgeMs: number, path = "/") {
  return {
    httpOnly: true,
    sameSite: "lax" as const,
    secure: ctx.config.publicUrl.startsWith("https:"),
    path,
    maxAge: maxAgeMs,
  };
}

/** The value of one cookie from the request's Cookie header, undecoded; null when absent. */
export function readCookie(req: Request, name: string): string | null {
  for (const part of (req.get("cookie") ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      const raw = part.slice(eq + 1).trim();
      try {
        return decodeURIComponent(raw);
      } catch {
        return null;
      }
    }
  }
  return null;
}

/** A cookie's value if its signature (cookie-signature, ICODRIP_SECRET) holds, else null. */
export function readSignedCookie(ctx: AppContext, req: Request, name: string): string | null {
  const value = readCookie(req, name);
  if (!value) return null;
  const unsigned = unsign(value, ctx.config.secret);
  return unsigned === false ? null : unsigned;
}

export function setSignedCookie(ctx: AppContext, res: Response, name: string, value: string, maxAgeMs: number, path = "/"): void {
  res.cookie(name, sign(value, ctx.config.secret), cookieOptions(ctx, maxAgeMs, path));
}

export function startSession(ctx: AppContext, res: Response, member: Member): void {
  setSignedCookie(ctx, res, SESSION_COOKIE, `${member.id}.${member.workspaceId}.${ctx.now()}`, SESSION_TTL_MS);
}

export function endSession(ctx: AppContext, res: Response): void {
  const { maxAge: _m, ...options } = cookieOptions(ctx, 0);
  res.clearCookie(SESSION_COOKIE, options);
}

/** The signed-in member and workspace, or null: no cookie, a forged or expired one, or a deleted member. */
export async function currentMember(ctx: AppContext, req: Request): Promise<SignedIn | null> {
  const value = readSignedCookie(ctx, req, SESSION_COOKIE);
  const [memberId, workspaceId, issued, extra] = value?.split(".") ?? [];
  if (!memberId || !workspaceId || !issued || extra !== undefined || !/^\d+$/.test(issued)) return null;
  const age = ctx.now() - Number(issued);
  if (age < 0 || age > SESSION_TTL_MS) return null;
  const [member, workspace] = await Promise.all([ctx.store.getMember(workspaceId, memberId), ctx.store.getWorkspace(workspaceId)]);
  return member && workspace ? { member, workspace } : null;
}

/**
 * Authenticates the API routes the dashboard calls: a Bearer API key as everywhere under
 * /api/v1, or the session cookie. A cookie rides along on any request the browser makes, so a
 * cookie-authenticated change must come from Icodrip's own pages (its Origin header), which
 * keeps other sites from posting to it.
 */
export function apiKeyOrSession(ctx: AppContext): RequestHandler {
  return async (req, res, next) => {
    const header = req.get("authorization");
    if (header) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      const workspace = match ? await ctx.store.workspaceByApiKeyHash(hashApiKey(match[1])) : null;
      if (!workspace) throw new ApiError(401, "unauthorized", "That API key is not valid; check it or create a new one.");
      res.locals.workspace = workspace;
      return next();
    }
    const signedIn = await currentMember(ctx, req);
    if (!signedIn) {
      throw new ApiError(401, "unauthorized", "Send your API key as `Authorization: Bearer <key>`, or sign in at /login.");
    }
    if (!["GET", "HEAD", "OPTIONS"].includes(req.method) && !sameOrigin(ctx, req)) {
      throw new ApiError(403, "cross_origin", "A signed-in change must come from Icodrip's own pages; use the dashboard or an API key.");
    }
    res.locals.workspace = signedIn.workspace;
    next();
  };
}

/** Whether the request's Origin is Icodrip's own public origin. */
export function sameOrigin(ctx: AppContext, req: Request): boolean {
  const origin = req.get("origin");
  return Boolean(origin) && origin === new URL(ctx.config.publicUrl).origin;
}
