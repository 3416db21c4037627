import { Router } from "express";
import { z } from "zod";
import { disconnectAccount } from "../../stripe/connect/disconnect.js";
import { repairWebhooks } from "../../stripe/connect/repair.js";
import { connectWithRestrictedKey } from "../../stripe/connect/restricted-key.js";
import { integrationStatus } from "../../stripe/connect/status.js";
import type { AppContext } from "../context.js";
import { parseRequest } from "../parse.js";
import { apiKeyOrSession } from "../session.js";

export const restrictedKeyBody = z.strictObject({
  restrictedKey: z
    .string({ error: "should be a Stripe restricted key (rk_test_… or rk_live_…)" })
    .trim()
    .refine((k) => !/^sk_/.test(k), "should be a restricted key (rk_…), not a secret key: a secret key can do anything on your account, while Icodrip only needs to read it and manage its webhook endpoint")
    .refine((k) => !/^pk_/.test(k), "should be a restricted key (rk_…), not a publishable key: a publishable key cannot read the account")
    .refine((k) => /^rk_(test|live)_[A-Za-z0-9]+$/.test(k), "should be a Stripe restricted key (rk_test_… or rk_live_…) from Dashboard > Developers > API keys"),
});

export const accountParam = z.object({ accountId: z.string().regex(/^acct_[A-Za-z0-9]{1,64}$/, "should be a Stripe account id (acct_…)") });
export const disconnectQuery = z.object({
  livemode: z.enum(["true", "false"], { error: "should be true or false" }).optional(),
});

/** The Stripe integration under /api/v1; the dashboard calls it with the session cookie. */
export function integrationRoutes(ctx: AppContext): Router {
  const router = Router();
  const auth = apiKeyOrSession(ctx);

  router.get("/integrations/stripe", auth, async (_req, res) => {
    res.json(await integrationStatus(ctx, res.locals.workspace.id));
  });

  router.post("/integrations/stripe", auth, async (req, res) => {
    const { restrictedKey } = parseRequest(restrictedKeyBody, req.body);
    await connectWithRestrictedKey(ctx, res.locals.workspace.id, restrictedKey);
    res.status(201).json(await integrationStatus(ctx, res.locals.workspace.id));
  });

  router.post("/integrations/stripe/repair-webhooks", auth, async (_req, res) => {
    res.json(await repairWebhooks(ctx, res.locals.workspace.id));
  });

  router.delete("/integrations/stripe/:accountId", auth, async (req, res) => {
    const { accountId } = parseRequest(accountParam, req.params);
    const { livemode } = parseRequest(disconnectQuery, req.query);
    await disconnectAccount(ctx, res.locals.workspace.id, accountId, livemode === undefined ? undefined : livemode === "true");
    res.json(await integrationStatus(ctx, res.locals.workspace.id));
  });

  return router;
}
