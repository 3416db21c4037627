import { Router } from "express";
import type { AppContext } from "../http/context.js";
import { safeNext } from "../http/routes/session.js";
import { unreachableByStripe } from "../config/public-url.js";
import { isPlatform } from "../stripe/client.js";
import { integrationStatus } from "../stripe/connect/status.js";
import { ACCOUNT_SCRIPT } from "./account-script.js";
import { accountPage } from "./account-page.js";
import { affiliatesRoute } from "./affiliates-route.js";
import { clicksRoute } from "./clicks-route.js";
import { conversionsRoute } from "./conversions-route.js";
import { sendPage } from "./html.js";
import { INTEGRATIONS_SCRIPT } from "./integrations-script.js";
import { integrationsPage } from "./integrations-page.js";
import { sendDashboard } from "./layout.js";
import { loginPage } from "./login-page.js";
import { memberPage } from "./signed-in.js";
import { webhooksRoute } from "./webhooks-route.js";

const text = (v: unknown) => (typeof v === "string" ? v.slice(0, 500) : undefined);

/** The server-rendered pages: sign-in and the signed-in member's dashboard tabs. */
export function dashboardRoutes(ctx: AppContext): Router {
  const router = Router();

  router.get("/login", (req, res) => {
    sendPage(res, "Sign in", loginPage({ error: text(req.query.error), next: safeNext(text(req.query.next)) }));
  });

  // Conversions are what a merchant comes to see, so the dashboard opens on them.
  router.get("/dashboard", (_req, res) => res.redirect(303, "/dashboard/conversions"));
  router.get("/dashboard/conversions", conversionsRoute(ctx));
  router.get("/dashboard/affiliates", affiliatesRoute(ctx));
  router.get("/dashboard/clicks", clicksRoute(ctx));
  router.get("/dashboard/webhooks", webhooksRoute(ctx));

  router.get(
    "/dashboard/settings/integrations",
    memberPage(ctx, async (req, res, signedIn) => {
      const status = await integrationStatus(ctx, signedIn.workspace.id);
      const body = integrationsPage({
        platform: isPlatform(ctx.config),
        unreachable: unreachableByStripe(ctx.config.publicUrl),
        status,
        query: { error: text(req.query.error), connected: text(req.query.connected) },
      });
      sendDashboard(res, { title: "Integrations", tab: "integrations", signedIn, body, script: INTEGRATIONS_SCRIPT });
    }),
  );

  router.get(
    "/dashboard/settings/account",
    memberPage(ctx, async (_req, res, signedIn) => {
      const apiKeys = await ctx.store.listApiKeys(signedIn.workspace.id);
      const body = accountPage({ member: signedIn.member, apiKeys });
      sendDashboard(res, { title: "Account", tab: "account", signedIn, body, script: ACCOUNT_SCRIPT });
    }),
  );

  return router;
}
