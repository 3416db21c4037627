import express, { type Express } from "express";
import helmet from "helmet";
import { sessionOrApiKey } from "./session-or-key.js";
import type { AppContext } from "./context.js";
import { errorHandler, unknownRoute } from "./errors.js";
import { accountRoutes } from "./routes/account.js";
import { activityRoutes } from "./routes/activity.js";
import { affiliateRoutes } from "./routes/affiliates.js";
import { linkRoutes } from "./routes/links.js";
import { promoCodeRoutes } from "./routes/promo-codes.js";
import { leadRoutes } from "./routes/leads.js";
import { programRoutes } from "./routes/programs.js";
import { publicRoutes } from "./routes/public.js";
import { signupRoutes } from "./routes/signup.js";
import { trackingRoutes } from "./routes/tracking.js";
import { webhookRoutes } from "../stripe/webhooks/routes.js";
import { integrationRoutes } from "./routes/integrations.js";
import { openApiRoutes } from "./openapi.js";
import { reportRoutes } from "../reports/routes.js";
import { payoutRoutes } from "../payouts/routes.js";
import { portalApiRoutes } from "../portal/api.js";
import { portalPages } from "../portal/pages.js";
import { sessionRoutes } from "./routes/session.js";
import { stripeOAuthRoutes } from "../stripe/connect/oauth-routes.js";
import { dashboardRoutes } from "../dashboard/routes.js";

export const JSON_BODY_LIMIT = "100kb";

/** helmet's settings; http/shortcut.ts sends the same headers on the answers it gives in front of Express. */
export const HELMET_OPTIONS = { contentSecurityPolicy: false, crossOriginResourcePolicy: false } as const;

/** The whole HTTP surface, built from its context so tests can start as many as they like. */
export function createApp(ctx: AppContext): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", ctx.config.trustProxy);
  // Webhooks read their raw body themselves, so they are mounted before any JSON parser; and
  // first of all, before helmet: Stripe reads only their status, and helmet's dozen headers for
  // browsers were a measurable share of each delivery's cost at thousands a second.
  app.use(webhookRoutes(ctx));
  app.use(helmet(HELMET_OPTIONS));

  app.use(publicRoutes(ctx));
  app.use(trackingRoutes(ctx));
  // The affiliates' portal: its own cookie (Path=/portal), its own JSON under /portal/api.
  app.use(portalApiRoutes(ctx), portalPages(ctx));
  app.use(sessionRoutes(ctx), stripeOAuthRoutes(ctx), dashboardRoutes(ctx));

  const api = express.Router();
  api.use(express.json({ limit: JSON_BODY_LIMIT }));
  api.use(openApiRoutes()); // the API's description is public, like the README
  api.use(signupRoutes(ctx));
  // Before requireApiKey: the dashboard calls these with its session cookie instead of a key.
  api.use(integrationRoutes(ctx));
  api.use(sessionOrApiKey(ctx)); // the API key, or the session cookie for the dashboard's own writes
  api.use(programRoutes(ctx), affiliateRoutes(ctx), linkRoutes(ctx), promoCodeRoutes(ctx), activityRoutes(ctx), reportRoutes(ctx), payoutRoutes(ctx), accountRoutes(ctx));
  api.use(leadRoutes(ctx));
  app.use("/api/v1", api);

  app.use(unknownRoute);
  app.use(errorHandler(ctx.log));
  return app;
}
