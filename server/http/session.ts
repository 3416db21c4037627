import type { Request, RequestHandler, Response } from "express";
import { sign, unsign } from "cookie-signature";
import { newToken } from "../domain/ids.js";
import { hashApiKey } from "../domain/password.js";
import type { Member, Workspace } from "../domain/types.js";
import type { Session } from "../store/store.js";
import type { AppContext } from "./context.js";
import { ApiError } from "./errors.js";
import { DAY_MS } from "../domain/calendar.js";

// A member's browser session is a record in the workspace's keys (with a time to live); the
// cookie carries `<workspaceId>.<sessionId>`, signed, where the session id is 256 random bits.
// Signing out deletes the record, so the cookie is worthless from then on even if it was copied.
// "Sign out everywhere" (and a password change) raises the member's session epoch, which ends
// every session begun before it without having to find them.

export const SESSION_COOKIE = "icodrip_session";
export const SESSION_TTL_MS = 7 * DAY_MS;

export interface SignedIn {
  member: Member;
  workspace: Workspace;
  session: Session;
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

/** Records a new session for the member and hands the browser its cookie. */
export async function startSession(ctx: AppContext, res: Response, member: Member): Promise<Session> {
  const now = ctx.now();
  const session: Session = {
    id: newToken(32),
    workspaceId: member.workspaceId,
    memberId: member.id,
    epoch: member.sessionEpoch ?? 0,
    createdAt: now,
    expiresAt: now + SESSION_TTL_MS,
  };
  await ctx.store.createSession(session);
  setSignedCookie(ctx, res, SESSION_COOKIE, `${session.workspaceId}.${session.id}`, SESSION_TTL_MS);
  return session;
}

/** Clears the session cookie from the browser. */
export function clearSessionCookie(ctx: AppContext, res: Response): void {
  const { maxAge: _m, ...options } = cookieOptions(ctx, 0);
  res.clearCookie(SESSION_COOKIE, options);
}

/** Signs this browser out: its session record is deleted (the cookie dies with it) and the cookie cleared. */
export async function endSession(ctx: AppContext, req: Request, res: Response): Promise<void> {
  const ref = sessionRef(ctx, req);
  if (ref) await ctx.store.deleteSession(ref.workspaceId, ref.sessionId);
  clearSessionCookie(ctx, res);
}

/** The workspace and session id the cookie names, if its signature holds and its shape is ours. */
function sessionRef(ctx: AppContext, req: Request): { workspaceId: string; sessionId: string } | null {
  const value = readSignedCookie(ctx, req, SESSION_COOKIE);
  const match = value ? /^(ws_[A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{32,64})$/.exec(value) : null;
  return match ? { workspaceId: match[1], sessionId: match[2] } : null;
}

/**
 * The signed-in member, workspace and session, or null: no cookie, a forged one, a session
 * that expired, was signed out or was ended by a later epoch, or a deleted member.
 */
export async function currentMember(ctx: AppContext, req: Request): Promise<SignedIn | null> {
  const ref = sessionRef(ctx, req);
  if (!ref) return null;
  const session = await ctx.store.getSession(ref.workspaceId, ref.sessionId);
  if (!session || session.expiresAt <= ctx.now()) return null;
  const [member, workspace] = await Promise.all([ctx.store.getMember(session.workspaceId, session.memberId), ctx.store.getWorkspace(session.workspaceId)]);
  if (!member || !workspace || (member.sessionEpoch ?? 0) !== session.epoch) return null;
  return { member, workspace, session };
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
      next();
      return;
    }
    const signedIn = await currentMember(ctx, req);
    if (!signedIn) {
      throw new ApiError(401, "unauthorized", "Send your API key as `Authorization: Bearer <key>`, or sign in at /login.");
    }
    if (!["GET", "HEAD", "OPTIONS"].includes(req.method) && !sameOrigin(ctx, req)) {
      throw new ApiError(403, "cross_origin", "A signed-in change must come from Icodrip's own pages; use the dashboard or an API key.");
    }
    res.locals.workspace = signedIn.workspace;
    res.locals.signedIn = signedIn;
    next();
  };
}

/** Whether the request's Origin is Icodrip's own public origin. */
export function sameOrigin(ctx: AppContext, req: Request): boolean {
  const origin = req.get("origin");
  return Boolean(origin) && origin === new URL(ctx.config.publicUrl).origin;
}
