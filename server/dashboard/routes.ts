import express, { Router, type Request, type Response } from "express";
import { ApiError } from "../http/errors.js";
import { signUp, signupBody } from "../http/routes/signup.js";
import { currentMember, sameOrigin } from "../http/session.js";
import type { AppContext } from "../http/context.js";
import { safeNext } from "../http/routes/session.js";
import { unreachableByStripe } from "../config/public-url.js";
import { isPlatform } from "../stripe/client.js";
import { integrationStatus } from "../stripe/connect/status.js";
import { accountPage } from "./account-page.js";
import { affiliateRoute } from "./affiliate-route.js";
import { affiliatesRoute } from "./affiliates-route.js";
import { dashboardAssets } from "./assets.js";
import { clicksRoute } from "./clicks-route.js";
import { conversionsRoute } from "./conversions-route.js";
import { overviewRoute } from "./overview-route.js";
import { programsRoute } from "./programs-route.js";
import { sendPage } from "./html.js";
import { integrationsPage } from "./integrations-page.js";
import { sendDashboard } from "./layout.js";
import { loginPage } from "./login-page.js";
import { signedUpPage, signupClosedPage, signupPage } from "./signup-page.js";
import { memberPage } from "./signed-in.js";
import { webhooksRoute } from "./webhooks-route.js";
import { payoutsRoute } from "../payouts/page.js";

const text = (v: unknown) => (typeof v === "string" ? v.slice(0, 500) : undefined);

/** The server-rendered pages: sign-in and the signed-in member's dashboard tabs. */
export function dashboardRoutes(ctx: AppContext): Router {
  const router = Router();

  const signIn = (req: Request, res: Response) =>
    sendPage(res, "Sign in", loginPage({ error: text(req.query.error), next: safeNext(text(req.query.next)), signupOpen: ctx.config.signupOpen }));
  router.get("/login", signIn);

  // The front door: the sign-in page when signed out, the dashboard when signed in.
  router.get("/", async (req, res) => {
    if (await currentMember(ctx, req)) { res.redirect(303, "/dashboard"); return; }
    signIn(req, res);
  });

  router.get("/signup", (_req, res) => {
    if (!ctx.config.signupOpen) { sendPage(res.status(403), "Signup is closed", signupClosedPage()); return; }
    sendPage(res, "Create an account", signupPage());
  });

  router.post("/signup", express.urlencoded({ extended: false, limit: "4kb" }), async (req, res) => {
    if (!ctx.config.signupOpen) { sendPage(res.status(403), "Signup is closed", signupClosedPage()); return; }
    if (req.get("origin") && !sameOrigin(ctx, req)) throw new ApiError(403, "cross_origin", "Sign up from Icodrip's own signup page.");
    // urlencoded() types the body as any; read its fields as unknown so only the schema decides.
    const body = (req.body ?? {}) as Partial<Record<string, unknown>>;
    const form = { email: text(body.email), workspace: text(body.workspace) };
    const parsed = signupBody.safeParse({ email: body.email, password: body.password, workspace: body.workspace });
    if (!parsed.success) {
      const fields: Record<string, string> = {};
      for (const issue of parsed.error.issues) fields[String(issue.path[0] ?? "form")] ??= issue.message;
      sendPage(res.status(400), "Create an account", signupPage({ ...form, fields }));
      return;
    }
    try {
      const made = await signUp(ctx, req, res, parsed.data);
      sendPage(res.status(201), "Account created", signedUpPage({ email: parsed.data.email, workspace: made.workspace.name, apiKey: made.apiKey }));
    } catch (error) {
      if (!(error instanceof ApiError) || (error.status >= 500 && error.code !== "busy")) throw error;
      sendPage(res.status(error.status), "Create an account", signupPage({ ...form, message: error.message }));
    }
  });

  // The pages' scripts; public, like the login form, since they hold no data.
  router.get("/dashboard/assets/:file", dashboardAssets());

  // The dashboard opens on the overview: how the program is doing, who brings most, what is owed.
  router.get("/dashboard", (_req, res) => res.redirect(303, "/dashboard/overview"));
  router.get("/dashboard/overview", overviewRoute(ctx));
  router.get("/dashboard/conversions", conversionsRoute(ctx));
  router.get("/dashboard/programs", programsRoute(ctx));
  router.get("/dashboard/affiliates", affiliatesRoute(ctx));
  router.get("/dashboard/affiliates/:id", affiliateRoute(ctx));
  router.get("/dashboard/payouts", payoutsRoute(ctx));
  router.get("/dashboard/clicks", clicksRoute(ctx));
  router.get("/dashboard/webhooks", webhooksRoute(ctx));

  router.get(
    "/dashboard/settings/integrations",
    memberPage(ctx, async (req, res, signedIn) => {
      const status = await integrationStatus(ctx, signedIn.workspace.id);
      const body = integrationsPage({
        platform: isPlatform(ctx.config),
        unreachable: unreachableByStripe(ctx.config.publicUrl, ctx.config.stripe.apiUrl),
        status,
        query: { error: text(req.query.error), connected: text(req.query.connected) },
      });
      sendDashboard(res, { title: "Integrations", tab: "integrations", signedIn, body, script: "integrations" });
    }),
  );

  router.get(
    "/dashboard/settings/account",
    memberPage(ctx, async (_req, res, signedIn) => {
      const apiKeys = await ctx.store.listApiKeys(signedIn.workspace.id);
      const body = accountPage({ member: signedIn.member, apiKeys });
      sendDashboard(res, { title: "Account", tab: "account", signedIn, body, script: "account" });
    }),
  );

  return router;
}
