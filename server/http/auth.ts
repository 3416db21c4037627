import type { RequestHandler } from "express";
import { hashApiKey } from "../domain/password.js";
import type { AppContext } from "./context.js";
import { ApiError } from "./errors.js";

/** `Authorization: Bearer API_KEY` → res.locals.workspace. */
export function requireApiKey(ctx: AppContext): RequestHandler {
  return async (req, res, next) => {
    const header = req.get("authorization") ?? "";
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) {
      throw new ApiError(401, "unauthorized", "Send your API key as `Authorization: Bearer <key>`; signup answers one.");
    }
    const workspace = await ctx.store.workspaceByApiKeyHash(hashApiKey(match[1]));
    if (!workspace) throw new ApiError(401, "unauthorized", "That API key is not valid; check it or create a new one.");
    res.locals.workspace = workspace;
    next();
  };
}
