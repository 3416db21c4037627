import { Router } from "express";
import { z } from "zod";
import { newId } from "../../domain/ids.js";
import type { Affiliate } from "../../domain/types.js";
import type { AppContext } from "../context.js";
import { ApiError, notFound } from "../errors.js";
import { parseRequest } from "../parse.js";
import { presentAffiliate } from "../present.js";
import { affiliateCreate, affiliateUpdate, idParam, listQuery } from "../schemas.js";
import { stripUndefined } from "./programs.js";
import { welcome } from "../../portal/join.js";
import { issueSignInLink, MERCHANT_LINK_TTL_MS } from "../../portal/sign-in.js";

export const affiliateList = listQuery.extend({
  programId: z.string().optional(),
  status: z.enum(["active", "pending", "disabled"], { error: "should be active, pending or disabled" }).optional(),
});

export function affiliateRoutes(ctx: AppContext): Router {
  const router = Router();

  const load = async (workspaceId: string, id: string): Promise<Affiliate> => {
    const affiliate = await ctx.store.getAffiliate(workspaceId, id);
    if (!affiliate) throw notFound(`Affiliate ${id}`);
    return affiliate;
  };

  router.post("/affiliates", async (req, res) => {
    const body = parseRequest(affiliateCreate, req.body);
    const workspaceId = res.locals.workspace.id;
    const program = await ctx.store.getProgram(workspaceId, body.programId);
    if (!program) throw new ApiError(404, "not_found", `Program ${body.programId} was not found in this workspace.`, { programId: "not found" });
    const affiliate: Affiliate = {
      id: newId("aff"),
      workspaceId,
      programId: program.id,
      name: body.name,
      email: body.email,
      code: body.code ?? codeFromName(body.name),
      status: "active",
      createdAt: ctx.now(),
    };
    await ctx.store.createAffiliate(affiliate);
    res.status(201).json(presentAffiliate(affiliate));
  });

  router.get("/affiliates", async (req, res) => {
    const q = parseRequest(affiliateList, req.query);
    const page = await ctx.store.listAffiliates(res.locals.workspace.id, q);
    res.json({ data: page.data.map(presentAffiliate), nextCursor: page.nextCursor });
  });

  router.get("/affiliates/:id", async (req, res) => {
    const { id } = parseRequest(idParam, req.params);
    res.json(presentAffiliate(await load(res.locals.workspace.id, id)));
  });

  router.patch("/affiliates/:id", async (req, res) => {
    const { id } = parseRequest(idParam, req.params);
    const changes = parseRequest(affiliateUpdate, req.body);
    const workspaceId = res.locals.workspace.id;
    const before = await load(workspaceId, id);
    const after = await ctx.store.updateAffiliate(workspaceId, id, stripUndefined(changes));
    if (!after) throw notFound(`Affiliate ${id}`);
    // Approving someone who joined: their first link, and a sign-in link by mail.
    if (before.status === "pending" && after.status === "active") {
      const program = await ctx.store.getProgram(workspaceId, after.programId);
      if (program) await welcome(ctx, after, program, "approved");
    }
    res.json(presentAffiliate(after));
  });

  // A sign-in link for the affiliates' portal that the merchant hands over (7 days, single use;
  // it voids the affiliate's older links).
  router.post("/affiliates/:id/portal-link", async (req, res) => {
    const { id } = parseRequest(idParam, req.params);
    const affiliate = await load(res.locals.workspace.id, id);
    if (affiliate.status === "disabled") throw new ApiError(409, "affiliate_disabled", "This affiliate is disabled and cannot sign in; enable them first.");
    const link = await issueSignInLink(ctx, affiliate, MERCHANT_LINK_TTL_MS);
    if (!link) throw notFound(`Affiliate ${id}`);
    res.status(201).json({ url: link.url, expiresAt: new Date(link.expiresAt).toISOString() });
  });

  router.delete("/affiliates/:id", async (req, res) => {
    const { id } = parseRequest(idParam, req.params);
    await ctx.store.deleteAffiliate(await load(res.locals.workspace.id, id));
    res.status(204).end();
  });

  return router;
}

/** "Ann Lee" → "ann-lee-x7k2": readable, with a random tail so two Anns do not collide. */
export function codeFromName(name: string): string {
  const slug = name
    .normalize("NFKD")
    .replace(/[^A-Za-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .toLowerCase()
    .slice(0, 24);
  const tail = Math.random().toString(36).slice(2, 6);
  return slug.length >= 2 ? `${slug}-${tail}` : `aff-${tail}`;
}
