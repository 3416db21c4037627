import type { Request, RequestHandler, Response } from "express";
import type { AppContext } from "../http/context.js";
import { currentMember, type SignedIn } from "../http/session.js";

/**
 * A page for signed-in members. Anyone else is sent to the login form, which brings them back
 * to the very URL they asked for (filters included) once they have signed in.
 */
export function memberPage(ctx: AppContext, render: (req: Request, res: Response, signedIn: SignedIn) => Promise<void>): RequestHandler {
  return async (req, res) => {
    const signedIn = await currentMember(ctx, req);
    if (!signedIn) { res.redirect(303, `/login?${new URLSearchParams({ next: req.originalUrl })}`); return; }
    await render(req, res, signedIn);
  };
}
