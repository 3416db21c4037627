import express, { Router } from "express";
import { z } from "zod";
import { verifyPassword } from "../../domain/password.js";
import type { AppContext } from "../context.js";
import { ApiError } from "../errors.js";
import { parseRequest } from "../parse.js";
import { endSession, sameOrigin, startSession } from "../session.js";

const sessionBody = z.object({
  email: z.string().trim().min(1, "should be your email address").max(320),
  password: z.string().min(1, "should be your password").max(200),
  next: z.string().max(500).optional(),
});

// Checked when nobody has the email, so an unknown address costs the same time as a wrong password.
const DECOY_HASH = "scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
const ATTEMPTS_PER_MINUTE = 10;

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
      if (fromForm) return res.redirect(303, `/login?${new URLSearchParams({ error: code, next })}`);
      throw new ApiError(status, code, message);
    };

    if (!(await withinRate(ctx, input.email))) {
      return fail(429, "rate_limited", "Too many sign-in attempts for this email; wait a minute and try again.");
    }
    const member = await ctx.store.memberByEmail(input.email);
    const ok = await verifyPassword(input.password, member?.passwordHash ?? DECOY_HASH);
    const workspace = member && ok ? await ctx.store.getWorkspace(member.workspaceId) : null;
    if (!member || !ok || !workspace) {
      return fail(401, "invalid_credentials", "The email or password is wrong; check both and try again.");
    }
    startSession(ctx, res, member);
    ctx.log.info({ memberId: member.id, workspaceId: member.workspaceId }, "member signed in");
    if (fromForm) return res.redirect(303, next);
    res.status(201).json({ member: { id: member.id, email: member.email }, workspace: { id: workspace.id, name: workspace.name } });
  });

  router.delete("/session", (_req, res) => {
    endSession(ctx, res);
    res.status(204).end();
  });

  return router;
}

/** Where to go after signing in: a path on this server only, never another host. */
export function safeNext(next: string | undefined): string {
  const fallback = "/dashboard/settings/integrations";
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.includes("\\")) return fallback;
  return next;
}

async function withinRate(ctx: AppContext, email: string): Promise<boolean> {
  const minute = Math.floor(ctx.now() / 60_000);
  return (await ctx.store.hit(`login:${minute}:${email.toLowerCase()}`, 60_000)) <= ATTEMPTS_PER_MINUTE;
}
