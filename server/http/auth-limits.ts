import { createHmac } from "node:crypto";
import type { Request, Response } from "express";
import { HashingBusy, passwordHashing } from "../domain/password.js";
import type { AppContext } from "./context.js";
import { ApiError } from "./errors.js";

// What a password check may cost the server. Every limit is counted before any hashing, so a
// refused attempt costs one counter increment and no scrypt.
//
// Sign-in is limited per client address (req.ip: TRUST_PROXY decides which X-Forwarded-For hop
// is believed) and per address+email, never per email alone: a per-email limit lets anyone lock
// the owner out, while per address the owner signing in from anywhere else is never refused.
// Signup is limited per address. Addresses are stored as keyed hashes, never as they are.

const MINUTE = 60_000;
const HOUR = 3_600_000;
/** attempts one address may make on one email per minute, at most the address's own limit */
const PER_EMAIL_PER_ADDRESS = 10;

export type Limit = { allowed: true } | { allowed: false; retryAfterSeconds: number };

function address(ctx: AppContext, req: Request): string {
  const ip = req.ip ?? req.socket.remoteAddress ?? "";
  return createHmac("sha256", ctx.config.secret).update(`addr:${ip}`).digest("base64url").slice(0, 22);
}

/** Counts one hit in each fixed window; refused if any is over its limit. */
async function within(ctx: AppContext, buckets: { name: string; windowMs: number; limit: number }[]): Promise<Limit> {
  const now = ctx.now();
  let retryAfterSeconds = 0;
  for (const b of buckets) {
    const window = Math.floor(now / b.windowMs);
    if ((await ctx.store.hit(`${b.name}:${window}`, b.windowMs)) > b.limit) {
      retryAfterSeconds = Math.max(retryAfterSeconds, Math.ceil(((window + 1) * b.windowMs - now) / 1000));
    }
  }
  return retryAfterSeconds > 0 ? { allowed: false, retryAfterSeconds } : { allowed: true };
}

/** A sign-in (or a password check of a signed-in member) from this address for this email. */
export function signInLimit(ctx: AppContext, req: Request, email: string): Promise<Limit> {
  const from = address(ctx, req);
  const perAddress = ctx.config.loginRateLimit;
  return within(ctx, [
    { name: `login:addr:${from}`, windowMs: MINUTE, limit: perAddress },
    { name: `login:addr-email:${from}:${email.trim().toLowerCase()}`, windowMs: MINUTE, limit: Math.min(PER_EMAIL_PER_ADDRESS, perAddress) },
  ]);
}

export function signupLimit(ctx: AppContext, req: Request): Promise<Limit> {
  return within(ctx, [{ name: `signup:addr:${address(ctx, req)}`, windowMs: HOUR, limit: ctx.config.signupRateLimit }]);
}

/** Portal sign-in requests from one address: each may mail a link, so fewer than member sign-ins. */
export function portalLoginLimit(ctx: AppContext, req: Request): Promise<Limit> {
  return within(ctx, [{ name: `portal-login:addr:${address(ctx, req)}`, windowMs: MINUTE, limit: Math.max(1, Math.floor(ctx.config.loginRateLimit / 2)) }]);
}

/** Links mailed to one email per hour, whoever asks: nobody can fill an affiliate's inbox. */
export function portalMailLimit(ctx: AppContext, email: string): Promise<Limit> {
  return within(ctx, [{ name: `portal-mail:${createHmac("sha256", ctx.config.secret).update(`email:${email}`).digest("base64url").slice(0, 22)}`, windowMs: HOUR, limit: 5 }]);
}

/** Joining a program from one address: a handful an hour is every honest use. */
export function joinLimit(ctx: AppContext, req: Request): Promise<Limit> {
  return within(ctx, [{ name: `join:addr:${address(ctx, req)}`, windowMs: HOUR, limit: ctx.config.signupRateLimit }]);
}

/** The limit's answer as an HTTP refusal: 429 with Retry-After. */
export function refuse(res: Response, limit: Limit & { allowed: false }, message: string): ApiError {
  res.set("Retry-After", String(limit.retryAfterSeconds));
  return new ApiError(429, "rate_limited", message);
}

/** Runs password hashing through the process's bounded gate; a full queue answers 503 with Retry-After. */
export async function hashing<T>(res: Response, work: () => Promise<T>): Promise<T> {
  try {
    return await passwordHashing.run(work);
  } catch (error) {
    if (!(error instanceof HashingBusy)) throw error;
    res.set("Retry-After", String(error.retryAfterSeconds));
    throw new ApiError(503, "busy", error.message);
  }
}
