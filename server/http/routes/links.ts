import { Router } from "express";
import { z } from "zod";
import { newId, newLinkCode } from "../../domain/ids.js";
import type { Affiliate, Link } from "../../domain/types.js";
import type { AppContext } from "../context.js";
import { ApiError, notFound } from "../errors.js";
import { parseRequest } from "../parse.js";
import { presentLink } from "../present.js";
import { idParam, linkCreate, linkUpdate, listQuery } from "../schemas.js";
import { stripUndefined } from "./programs.js";

export const linkList = listQuery.extend({ affiliateId: z.string().optional(), programId: z.string().optional() });

/** A new tracking link of an affiliate (the API's, the portal's, and the first one of an affiliate who joined). */
export function newLink(affiliate: Affiliate, path: string | null, now: number): Link {
  return { id: newId("lnk"), workspaceId: affiliate.workspaceId, programId: affiliate.programId, affiliateId: affiliate.id, code: newLinkCode(), path, status: "active", createdAt: now };
}

export function linkRoutes(ctx: AppContext): Router {
  const router = Router();
  const present = (l: Link) => presentLink(l, ctx.config.publicUrl);

  const load = async (workspaceId: string, id: string): Promise<Link> => {
    const link = await ctx.store.getLink(workspaceId, id);
    if (!link) throw notFound(`Link ${id}`);
    return link;
  };

  router.post("/links", async (req, res) => {
    const body = parseRequest(linkCreate, req.body);
    const workspaceId = res.locals.workspace.id;
    const affiliate = await ctx.store.getAffiliate(workspaceId, body.affiliateId);
    if (!affiliate) {
      throw new ApiError(404, "not_found", `Affiliate ${body.affiliateId} was not found in this workspace.`, { affiliateId: "not found" });
    }
    const link = newLink(affiliate, body.path ?? null, ctx.now());
    await ctx.store.createLink(link);
    res.status(201).json(present(link));
  });

  router.get("/links", async (req, res) => {
    const q = parseRequest(linkList, req.query);
    const page = await ctx.store.listLinks(res.locals.workspace.id, q);
    res.json({ data: page.data.map(present), nextCursor: page.nextCursor });
  });

  router.get("/links/:id", async (req, res) => {
    const { id } = parseRequest(idParam, req.params);
    res.json(present(await load(res.locals.workspace.id, id)));
  });

  router.patch("/links/:id", async (req, res) => {
    const { id } = parseRequest(idParam, req.params);
    const changes = parseRequest(linkUpdate, req.body);
    const link = await ctx.store.updateLink(res.locals.workspace.id, id, stripUndefined(changes));
    if (!link) throw notFound(`Link ${id}`);
    res.json(present(link));
  });

  router.delete("/links/:id", async (req, res) => {
    const { id } = parseRequest(idParam, req.params);
    await ctx.store.deleteLink(await load(res.locals.workspace.id, id));
    res.status(204).end();
  });

  return router;
}
