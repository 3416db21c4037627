import { Router } from "express";
import { z } from "zod";
import { newId } from "../../domain/ids.js";
import type { PromoCode } from "../../domain/types.js";
import type { AppContext } from "../context.js";
import { ApiError, notFound } from "../errors.js";
import { parseRequest } from "../parse.js";
import { presentPromoCode } from "../present.js";
import { idParam, listQuery, promoCodeCreate } from "../schemas.js";

export const promoCodeList = listQuery.extend({ affiliateId: z.string().optional().describe("Only the codes of this affiliate.") });

// Promotion codes tied to affiliates (README "Promotion codes"): a payment whose discounts carry
// a tied code is that affiliate's, after a click id and before an email match.
export function promoCodeRoutes(ctx: AppContext): Router {
  const router = Router();

  router.post("/promo-codes", async (req, res) => {
    const body = parseRequest(promoCodeCreate, req.body);
    const workspaceId = res.locals.workspace.id;
    const affiliate = await ctx.store.getAffiliate(workspaceId, body.affiliateId);
    if (!affiliate) {
      throw new ApiError(404, "not_found", `Affiliate ${body.affiliateId} was not found in this workspace.`, { affiliateId: "not found" });
    }
    const promo: PromoCode = {
      id: newId("pcd"),
      workspaceId,
      programId: affiliate.programId,
      affiliateId: affiliate.id,
      code: body.code,
      stripePromotionCodeId: body.stripePromotionCodeId ?? null,
      createdAt: ctx.now(),
    };
    await ctx.store.createPromoCode(promo);
    res.status(201).json(presentPromoCode(promo));
  });

  router.get("/promo-codes", async (req, res) => {
    const q = parseRequest(promoCodeList, req.query);
    const page = await ctx.store.listPromoCodes(res.locals.workspace.id, q);
    res.json({ data: page.data.map(presentPromoCode), nextCursor: page.nextCursor });
  });

  router.delete("/promo-codes/:id", async (req, res) => {
    const { id } = parseRequest(idParam, req.params);
    const workspaceId = res.locals.workspace.id;
    const promo = await ctx.store.getPromoCode(workspaceId, id);
    if (!promo) throw notFound(`Promotion code ${id}`);
    await ctx.store.deletePromoCode(promo);
    res.status(204).end();
  });

  return router;
}
