import { Router } from "express";
import { z } from "zod";
import { newApiKey, newId } from "../../domain/ids.js";
import { hashApiKey, hashPassword } from "../../domain/password.js";
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
    const now = ctx.now();
    const workspace = { id: newId("ws"), name: body.workspace, createdAt: now };
    const apiKey = newApiKey();
    await ctx.store.createWorkspace(
      workspace,
      { id: newId("mem"), workspaceId: workspace.id, email: body.email, passwordHash: await hashPassword(body.password), createdAt: now },
      { id: newId("key"), workspaceId: workspace.id, hash: hashApiKey(apiKey), prefix: apiKey.slice(0, 7), createdAt: now },
    );
    ctx.log.info({ workspaceId: workspace.id }, "workspace created");
    res.status(201).json({ workspace: { id: workspace.id, name: workspace.name }, apiKey });
  });
  return router;
}
