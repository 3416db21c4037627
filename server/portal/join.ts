import { z } from "zod";
import { newId } from "../domain/ids.js";
import type { Affiliate, Program } from "../domain/types.js";
import type { AppContext } from "../http/context.js";
import { ApiError } from "../http/errors.js";
import { codeFromName } from "../http/routes/affiliates.js";
import { newLink } from "../http/routes/links.js";
import { StoreConflict } from "../store/store.js";
import { mailSignInLink } from "./sign-in.js";

// Joining a program from its public page (/join/<program key>) or POST /portal/api/join. The
// program's `join` decides: invite answers 403 join_closed, approval makes a pending affiliate
// (no links until the merchant approves), open an active one with a first link and a sign-in
// link by mail. A field hidden from people (`website`) catches form-filling bots: a request that
// fills it is answered as if it had worked and changes nothing.

export const joinBody = z.object({
  program: z.string().min(1, "should be the program's key").max(100),
  name: z.string().trim().min(1, "should not be empty").max(120),
  email: z.email("should be an email address").transform((v) => v.trim().toLowerCase()),
  website: z.string().max(500).optional(),
});

export type JoinResult = { status: "active" | "pending" };

export async function joinProgram(ctx: AppContext, input: z.infer<typeof joinBody>): Promise<JoinResult> {
  const program = await ctx.store.programByKey(input.program);
  if (!program) throw new ApiError(404, "not_found", "There is no program with this key; check the join link you were given.", { program: "not found" });
  const policy = program.join ?? "invite";
  // A disabled program records no clicks, so it takes no new affiliates either.
  if (program.status === "disabled") {
    throw new ApiError(403, "join_closed", `${program.name} is not taking affiliates at the moment; ask the merchant.`);
  }
  if (policy === "invite") {
    throw new ApiError(403, "join_closed", `${program.name} takes affiliates by invitation only; ask the merchant to invite you.`);
  }
  const status = policy === "open" ? "active" : "pending";
  if (input.website) return { status }; // the trap: a person never sees the field
  const affiliate: Affiliate = {
    id: newId("aff"),
    workspaceId: program.workspaceId,
    programId: program.id,
    name: input.name,
    email: input.email,
    code: codeFromName(input.name),
    status,
    createdAt: ctx.now(),
  };
  try {
    await ctx.store.createAffiliate(affiliate, { uniqueEmail: true });
  } catch (error) {
    if (error instanceof StoreConflict && error.field === "email") {
      throw new ApiError(409, "already_joined", `${input.email} has joined ${program.name} already; sign in at ${ctx.config.publicUrl}/portal/login to get a sign-in link.`, { email: "joined already" });
    }
    throw error;
  }
  if (status === "active") await welcome(ctx, affiliate, program, "joined");
  return { status };
}

/**
 * An affiliate who may now promote the program: their first tracking link (if they have none),
 * and a sign-in link by mail. Used when an open program is joined and when the merchant approves.
 */
export async function welcome(ctx: AppContext, affiliate: Affiliate, program: Program, reason: "joined" | "approved"): Promise<void> {
  const links = await ctx.store.listLinks(affiliate.workspaceId, { affiliateId: affiliate.id, limit: 1 });
  if (links.data.length === 0) await ctx.store.createLink(newLink(affiliate, null, ctx.now()));
  await mailSignInLink(ctx, affiliate, program.name, reason).catch((error: unknown) => {
    // The affiliate exists either way; a mail that did not go is one they can ask for again.
    ctx.log.warn({ err: error instanceof Error ? error.message : String(error), affiliateId: affiliate.id }, "the sign-in mail could not be sent; the affiliate can ask for one at /portal/login");
  });
}
