import express, { Router } from "express";
import { z } from "zod";
import { decoyHash, verifyPassword } from "../../domain/password.js";
import { hashing, refuse, signInLimit } from "../auth-limits.js";
import type { AppContext } from "../context.js";
import { ApiError } from "../errors.js";
import { parseRequest } from "../parse.js";
import { endSession, sameOrigin, startSession } from "../session.js";

const sessionBody = z.object({
  email: z.string().trim().min(1, "should be your email address").max(320),
  password: z.string().min(1, "should be your password").max(200),
  next: z.string().max(500).optional(),
});


/** Signing in and out of the dashboard: the login form posts here, so do scripts (JSON). */
export function sessionRoutes(ctx: AppContext): Router {
  const router = Router();
  const json = express.json({ limit: "4kb" });
  const form = express.urlencoded({ extended: false, limit: "4kb" });

  router.post("/session", json, form, async (req, res) => {
    const fromForm = Boolean(req.is("application/x-www-form-urlencoded"));
    const origin = req.get("origin");
    if (origin && !sameOrigin(ctx, req)) {
      throw new ApiError(403, "cross_origin", "Sign in from Icodrip's own login page.");
    }
    const input = parseRequest(sessionBody, req.body);
    const next = safeNext(input.next);
    const fail = (status: number, code: string, message: string) => {
      if (fromForm) { res.redirect(303, `/login?${new URLSearchParams({ error: code, next })}`); return; }
      throw new ApiError(status, code, message);
    };

    // Counted before any hashing: a refused attempt costs a counter, not a scrypt.
    const limit = await signInLimit(ctx, req, input.email);
    if (!limit.allowed) {
      const refusal = refuse(res, limit, "Too many sign-in attempts from this address; wait a minute and try again.");
      fail(refusal.status, refusal.code, refusal.message);
      return;
    }
    // Known and unknown emails do the same work: two reads, one hash of the same cost, one read.
    const member = await ctx.store.memberByEmail(input.email);
    const stored = member?.passwordHash ?? (await decoyHash());
    let ok: boolean;
    try {
      ok = await hashing(res, () => verifyPassword(input.password, stored));
    } catch (error) {
      if (error instanceof ApiError && error.code === "busy") { fail(error.status, error.code, error.message); return; }
      throw error;
    }
    const workspace = await ctx.store.getWorkspace(member?.workspaceId ?? "ws_none");
    if (!member || !ok || !workspace) {
      fail(401, "invalid_credentials", "The email or password is wrong; check both and try again.");
      return;
    }
    await startSession(ctx, res, member);
    ctx.log.info({ memberId: member.id, workspaceId: member.workspaceId }, "member signed in");
    if (fromForm) { res.redirect(303, next); return; }
    res.status(201).json({ member: { id: member.id, email: member.email }, workspace: { id: workspace.id, name: workspace.name } });
  });

  // Signing out ends the session on the server: the cookie, even copied, opens nothing afterwards.
  router.delete("/session", async (req, res) => {
    await endSession(ctx, req, res);
    res.status(204).end();
  });

  return router;
}

/** Where to go after signing in: a path on this server only, never another host. */
export function safeNext(next: string | undefined): string {
  const fallback = "/dashboard";
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.includes("\\")) return fallback;
  return next;
}
