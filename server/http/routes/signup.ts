import { Router, type Request, type Response } from "express";
import { z } from "zod";
import { newApiKey, newId } from "../../domain/ids.js";
import { hashApiKey, hashPassword } from "../../domain/password.js";
import { StoreConflict } from "../../store/store.js";
import { hashing, refuse, signupLimit } from "../auth-limits.js";
import type { AppContext } from "../context.js";
import { ApiError } from "../errors.js";
import { parseRequest } from "../parse.js";
import type { SignupOut } from "../present.js";

export const signupBody = z.strictObject({
  email: z.email("should be an email address").transform((v) => v.trim().toLowerCase()),
  password: z.string().min(10, "should be at least 10 characters").max(200, "should be at most 200 characters"),
  workspace: z.string().trim().min(1, "should name the workspace").max(120),
});

export type SignupInput = z.infer<typeof signupBody>;

/**
 * Creates a workspace with its first member and API key, or, when the email has an account
 * already, answers exactly the same shape with a workspace id and a key that were never stored
 * (saying "taken" would tell anyone which emails have accounts); the owner is told through the
 * log. Limits and the hashing gate apply before any work. Used by the API and the /signup page.
 */
export async function signUp(ctx: AppContext, req: Request, res: Response, body: SignupInput): Promise<SignupOut> {
  if (!ctx.config.signupOpen) {
    throw new ApiError(403, "signup_closed", "Signup is closed on this server; ask its operator for an account (ICODRIP_SIGNUP=open opens it).");
  }
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
    ctx.log.info({ workspaceId: workspace.id }, "workspace created");
  } catch (error) {
    if (!(error instanceof StoreConflict && error.field === "email")) throw error;
    const owner = await ctx.store.memberByEmail(body.email);
    ctx.log.warn(
      { workspaceId: owner?.workspaceId, memberId: owner?.id },
      "signup attempted with the email of an existing member; nothing was created (tell the owner)",
    );
  }
  return { workspace: { id: workspace.id, name: workspace.name }, apiKey };
}

export function signupRoutes(ctx: AppContext): Router {
  const router = Router();
  router.post("/signup", async (req, res) => {
    const body = parseRequest(signupBody, req.body);
    res.status(201).json(await signUp(ctx, req, res, body));
  });
  return router;
}
