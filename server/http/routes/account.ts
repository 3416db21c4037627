import { Router, type Response } from "express";
import { z } from "zod";
import { newApiKey, newId } from "../../domain/ids.js";
import { hashApiKey, hashPassword, verifyPassword } from "../../domain/password.js";
import type { ApiKey } from "../../domain/types.js";
import { hashing, refuse, signInLimit } from "../auth-limits.js";
import type { AppContext } from "../context.js";
import { ApiError, notFound } from "../errors.js";
import { parseRequest } from "../parse.js";
import type { ApiKeyCreatedOut, ApiKeyOut } from "../present.js";
import { clearSessionCookie, startSession, type SignedIn } from "../session.js";

// The workspace's API keys, the member's password and sessions. Mounted behind sessionOrApiKey,
// which lets these routes take the API key or the dashboard's session cookie (changes only from
// Icodrip's own origin). Deleting the last key is allowed: it locks nobody out, since a signed-in
// member can always create a new one here.

const MAX_KEYS = 50;

export const keyParam = z.object({ id: z.string().regex(/^key_[A-Za-z0-9_-]{1,64}$/, "should be an API key id (key_…)") });
export const passwordBody = z.strictObject({
  currentPassword: z.string({ error: "should be your current password" }).min(1, "should be your current password").max(200),
  newPassword: z.string({ error: "should be the new password" }).min(10, "should be at least 10 characters").max(200, "should be at most 200 characters"),
});

const present = (k: ApiKey): ApiKeyOut => ({ id: k.id, prefix: k.prefix, createdAt: new Date(k.createdAt).toISOString() });

/** The member behind the session; a password and sessions belong to a person, not to a key. */
function member(res: Response): SignedIn {
  const signedIn = res.locals.signedIn;
  if (!signedIn) {
    throw new ApiError(403, "session_required", "This belongs to a signed-in member, not to an API key; sign in at /login and use Settings › Account.");
  }
  return signedIn;
}

export function accountRoutes(ctx: AppContext): Router {
  const router = Router();

  router.get("/api-keys", async (_req, res) => {
    const keys = await ctx.store.listApiKeys(res.locals.workspace.id, MAX_KEYS * 2);
    res.json({ data: keys.map(present) });
  });

  router.post("/api-keys", async (_req, res) => {
    const w = res.locals.workspace.id;
    if ((await ctx.store.listApiKeys(w, MAX_KEYS)).length >= MAX_KEYS) {
      throw new ApiError(409, "too_many_keys", `A workspace keeps at most ${MAX_KEYS} API keys; delete one you no longer use first.`);
    }
    const apiKey = newApiKey();
    const record: ApiKey = { id: newId("key"), workspaceId: w, hash: hashApiKey(apiKey), prefix: apiKey.slice(0, 7), createdAt: ctx.now() };
    await ctx.store.createApiKey(record);
    ctx.log.info({ workspaceId: w, apiKeyId: record.id }, "API key created");
    res.status(201).json({ id: record.id, apiKey } satisfies ApiKeyCreatedOut);
  });

  router.delete("/api-keys/:id", async (req, res) => {
    const { id } = parseRequest(keyParam, req.params);
    const w = res.locals.workspace.id;
    if (!(await ctx.store.deleteApiKey(w, id))) throw notFound("That API key");
    ctx.log.info({ workspaceId: w, apiKeyId: id }, "API key deleted");
    res.status(204).end();
  });

  // Changing the password ends every other session of the member; this browser gets a new one.
  router.post("/password", async (req, res) => {
    const signedIn = member(res);
    const body = parseRequest(passwordBody, req.body);
    const limit = await signInLimit(ctx, req, signedIn.member.email);
    if (!limit.allowed) throw refuse(res, limit, "Too many password attempts from this address; wait a minute and try again.");
    const verifiedHash = signedIn.member.passwordHash;
    if (!(await hashing(res, () => verifyPassword(body.currentPassword, verifiedHash)))) {
      const message = "is not your current password";
      throw new ApiError(400, "invalid_request", `currentPassword ${message}; type the password you signed in with.`, { currentPassword: message });
    }
    const newHash = await hashing(res, () => hashPassword(body.newPassword));
    const updated = await ctx.store.changePassword(signedIn.workspace.id, signedIn.member.id, verifiedHash, newHash);
    if (!updated) throw new ApiError(409, "conflict", "The password was changed meanwhile from another session; sign in again with the new one.");
    await ctx.store.deleteSession(signedIn.workspace.id, signedIn.session.id);
    await startSession(ctx, res, updated);
    ctx.log.info({ workspaceId: signedIn.workspace.id, memberId: signedIn.member.id }, "password changed; other sessions ended");
    res.status(204).end();
  });

  // Sign out everywhere: every session of the member ends, this one included.
  router.delete("/sessions", async (_req, res) => {
    const signedIn = member(res);
    await ctx.store.endMemberSessions(signedIn.workspace.id, signedIn.member.id);
    await ctx.store.deleteSession(signedIn.workspace.id, signedIn.session.id);
    clearSessionCookie(ctx, res);
    ctx.log.info({ workspaceId: signedIn.workspace.id, memberId: signedIn.member.id }, "signed out everywhere");
    res.status(204).end();
  });

  return router;
}
