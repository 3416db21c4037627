import { Router } from "express";
import { z } from "zod";
import { newApiKey, newId } from "../../domain/ids.js";
import { hashApiKey, hashPassword } from "../../domain/password.js";
import { StoreConflict } from "../../store/store.js";
import { hashing, refuse, signupLimit } from "../auth-limits.js";
import type { AppContext } from "../context.js";
import { ApiError } from "../errors.js";
import { parseRequest } from "../parse.js";

const signupBody = z.strictObject({
  email: z.email("should be an email address").transform((v) => v.trim().toLowerCase()),
  password: z.string().min(10, "should be at least 10 characters").max(200, "should be at most 200 characters"),
  workspace: z.string().trim().min(1, "should name the workspace").max(120),
});

export function signupRoutes(ctx: AppContext): Router {
  const router = Router();
  router.post("/signup", async (req, res) => {
    if (!ctx.config.signupOpen) {
      throw new ApiError(403, "signup_closed", "Signup is closed on this server; ask its operator for an account (ICODRIP_SIGNUP=open opens it).");
    }
    const body = parseRequest(signupBody, req.body);
    // Counted before the password is hashed, so a flood of signups costs counters, not scrypt.
    const limit = await signupLimit(ctx, req);
    if (!limit.allowed) throw refuse(res, limit, "Too many signups from this address; wait an hour or ask the server's operator.");
    const passwordHash = await hashing(res, () => hashPassword(body.password));
    const now = ctx.now();
    const workspace = { id: newId("ws"), name: body.workspace, createdAt: now };
    const apiKey = newApiKey();
    const key = { id: newId("key"), workspaceId: workspace.id, hash: hashApiKey(apiKey), prefix: apiKey.slice(0, 7), createdAt: now };
    try {
      await ctx.store.createWorkspace(workspace, { id: newId("mem"), workspaceId: workspace.id, email: body.email, passwordHash, createdAt: now }, key);
    } catch (error) {
      if (!(error instanceof StoreConflict && error.field === "email")) throw error;
      // The email has an account. Saying so would tell anyone which emails have accounts, so the
      // answer is the one a new account gets, with a workspace id and a key that were never
      // stored and open nothing; the owner is told through the log (there is no mailer yet).
      res.status(201).json({ workspace: { id: workspace.id, name: workspace.name }, apiKey });
      const owner = await ctx.store.memberByEmail(body.email);
      ctx.log.warn(
        { workspaceId: owner?.workspaceId, memberId: owner?.id },
        "signup attempted with the email of an existing member; nothing was created (tell the owner)",
      );
      return;
    }
    ctx.log.info({ workspaceId: workspace.id }, "workspace created");
    res.status(201).json({ workspace: { id: workspace.id, name: workspace.name }, apiKey });
  });
  return router;
}
