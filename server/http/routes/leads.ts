import { Router } from "express";
import { z } from "zod";
import { CLICK_ID_PATTERN } from "../../domain/ids.js";
import { normalizeEmail } from "../../domain/email.js";
import { recordLead } from "../../tracking/record-lead.js";
import type { AppContext } from "../context.js";
import { ApiError } from "../errors.js";
import { parseRequest } from "../parse.js";
import { presentLead } from "../present.js";

// Server-side leads: the merchant's own backend says "this signed-up customer came with this
// click". It outranks what a browser says (domain/lead.ts), so it needs the merchant's API key.

export const leadCreate = z.strictObject({
  clickId: z.string().regex(CLICK_ID_PATTERN, "should be a click id (icd_…)"),
  email: z.string().max(320),
  programId: z.string().min(1).max(100).optional(),
});

export function leadRoutes(ctx: AppContext): Router {
  const router = Router();

  router.post("/leads", async (req, res) => {
    const body = parseRequest(leadCreate, req.body);
    const workspaceId = res.locals.workspace.id;
    const email = normalizeEmail(body.email);
    if (!email) throw new ApiError(400, "invalid_request", "The email is not an email address.", { email: "should be an email address" });
    const click = await ctx.store.getClick(workspaceId, body.clickId);
    if (!click || (body.programId && click.programId !== body.programId)) {
      const where = body.programId ? `program ${body.programId}` : "this workspace";
      throw new ApiError(404, "click_not_found", `Click ${body.clickId} was not found in ${where}; pass the click id from the visitor's icodrip_ref cookie.`, { clickId: "not found" });
    }
    const now = ctx.now();
    if (click.expiresAt < now) {
      throw new ApiError(422, "click_expired", `Click ${click.id} left its cookie window at ${new Date(click.expiresAt).toISOString()}; a lead from it would match no payment.`, { clickId: "expired" });
    }
    const program = await ctx.store.getProgram(workspaceId, click.programId);
    if (!program) throw new ApiError(404, "click_not_found", `The program of click ${click.id} no longer exists.`, { clickId: "not found" });
    const { decision, lead } = await recordLead(ctx.store, { program, click, email, source: "server" }, now);
    if (decision.action === "refuse" || !lead) throw new ApiError(404, "click_not_found", `Click ${click.id} no longer exists.`, { clickId: "not found" });
    // 201 when this call stored the lead, 200 when the email already had exactly this server lead.
    res.status(decision.action === "write" ? 201 : 200).json(presentLead(lead));
  });

  return router;
}
