import { Router } from "express";
import type { AppContext } from "../http/context.js";
import { safeNext } from "../http/routes/session.js";
import { currentMember } from "../http/session.js";
import { isPlatform } from "../stripe/client.js";
import { integrationStatus } from "../stripe/connect/status.js";
import { sendPage } from "./html.js";
import { INTEGRATIONS_SCRIPT } from "./integrations-script.js";
import { integrationsPage } from "./integrations-page.js";
import { loginPage } from "./login-page.js";

const text = (v: unknown) => (typeof v === "string" ? v.slice(0, 500) : undefined);

/** The few server-rendered pages there are so far: sign-in and Settings > Integrations. */
export function dashboardRoutes(ctx: AppContext): Router {
  const router = Router();

  router.get("/login", (req, res) => {
    sendPage(res, "Sign in", loginPage({ error: text(req.query.error), next: safeNext(text(req.query.next)) }));
  });

  router.get("/dashboard/settings/integrations", async (req, res) => {
    const signedIn = await currentMember(ctx, req);
    if (!signedIn) return res.redirect(303, `/login?${new URLSearchParams({ next: req.originalUrl })}`);
    const status = await integrationStatus(ctx, signedIn.workspace.id);
    const page = integrationsPage({
      email: signedIn.member.email,
      workspace: signedIn.workspace.name,
      platform: isPlatform(ctx.config),
      status,
      query: { error: text(req.query.error), connected: text(req.query.connected) },
    });
    sendPage(res, "Integrations", page, INTEGRATIONS_SCRIPT);
  });

  return router;
}
