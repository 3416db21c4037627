import { timingSafeEqual } from "node:crypto";
import { Router, type Response } from "express";
import { z } from "zod";
import { newToken } from "../../domain/ids.js";
import type { AppContext } from "../../http/context.js";
import { ApiError } from "../../http/errors.js";
import { cookieOptions, currentMember, readSignedCookie, setSignedCookie } from "../../http/session.js";
import { StoreConflict } from "../../store/store.js";
import { isPlatform } from "../client.js";
import { connectedAccount } from "./connection.js";
import { authorizeUrl, exchangeCode, OAuthFailure } from "./oauth.js";
import { ensurePlatformEndpoint, type WebhookSummary } from "./platform-endpoint.js";
import { classifyStripeError } from "./stripe-error.js";

// "Connect Stripe": the browser goes to Stripe and comes back to the callback. The state is
// random, single-use, lives 10 minutes, and is bound to the browser that started the flow by a
// nonce in a signed cookie, so a callback link sent to someone else (login CSRF) connects nothing.

export const OAUTH_COOKIE = "icodrip_oauth";
export const STATE_TTL_MS = 10 * 60 * 1000;
const COOKIE_PATH = "/integrations/stripe";
export const INTEGRATIONS_PAGE = "/dashboard/settings/integrations";

const callbackQuery = z.object({
  code: z.string().max(500).optional(),
  state: z.string().max(200).optional(),
  error: z.string().max(100).optional(),
  error_description: z.string().max(1000).optional(),
});

/** Back to the integrations page with a code for programs and a sentence for the merchant. */
function backToPage(res: Response, query: Record<string, string>): void {
  res.set("Cache-Control", "no-store").redirect(303, `${INTEGRATIONS_PAGE}?${new URLSearchParams(query)}`);
}
const refuse = (res: Response, error: string, message: string) => backToPage(res, { error, message });

function sameNonce(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function stripeOAuthRoutes(ctx: AppContext): Router {
  const router = Router();

  router.get("/integrations/stripe/connect", async (req, res) => {
    const signedIn = await currentMember(ctx, req);
    if (!signedIn) {
      if (req.accepts(["html", "json"]) === "html") { res.redirect(303, `/login?${new URLSearchParams({ next: req.originalUrl })}`); return; }
      throw new ApiError(401, "unauthorized", "Sign in at /login first; connecting Stripe needs a signed-in member.");
    }
    if (!isPlatform(ctx.config)) {
      refuse(res, "platform_not_configured", "This server is not a Stripe Connect platform (STRIPE_CLIENT_ID and STRIPE_SECRET_KEY are unset); connect with a restricted key below.");
      return;
    }
    const state = newToken(24);
    const nonce = newToken(24);
    await ctx.store.putOAuthState(
      state,
      { workspaceId: signedIn.workspace.id, memberId: signedIn.member.id, sessionId: nonce, livemode: null, createdAt: ctx.now() },
      STATE_TTL_MS,
    );
    setSignedCookie(ctx, res, OAUTH_COOKIE, nonce, STATE_TTL_MS, COOKIE_PATH);
    res.set("Cache-Control", "no-store").redirect(302, authorizeUrl(ctx.config, state));
  });

  router.get("/integrations/stripe/callback", async (req, res) => {
    const q = callbackQuery.safeParse(req.query);
    const nonce = readSignedCookie(ctx, req, OAUTH_COOKIE);
    const { maxAge: _m, ...clear } = cookieOptions(ctx, 0, COOKIE_PATH);
    res.clearCookie(OAUTH_COOKIE, clear);
    if (!q.success || !q.data.state) {
      refuse(res, "invalid_state", "Stripe sent Icodrip back without the sign-in state; press Connect Stripe again.");
      return;
    }
    // Taken before anything else, so a state works once whatever the outcome.
    const state = await ctx.store.takeOAuthState(q.data.state);
    if (!state || ctx.now() - state.createdAt > STATE_TTL_MS) {
      refuse(res, "invalid_state", "This Stripe connection link was used already or is more than 10 minutes old; press Connect Stripe again.");
      return;
    }
    const signedIn = await currentMember(ctx, req);
    if (!nonce || !sameNonce(nonce, state.sessionId) || (signedIn && signedIn.member.id !== state.memberId)) {
      refuse(res, "state_mismatch", "This Stripe connection was started in another browser or session, so it was not accepted; press Connect Stripe here.");
      return;
    }
    if (q.data.error) {
      const declined = q.data.error === "access_denied";
      refuse(
        res,
        q.data.error,
        declined
          ? "You declined the connection in Stripe, so nothing was connected; press Connect Stripe to try again."
          : `Stripe did not connect the account (${q.data.error_description ?? q.data.error}); press Connect Stripe to try again.`,
      );
      return;
    }
    if (!q.data.code) { refuse(res, "invalid_request", "Stripe sent Icodrip back without an authorization code; press Connect Stripe again."); return; }

    let granted;
    try {
      granted = await exchangeCode(ctx.config, q.data.code);
    } catch (error) {
      if (error instanceof OAuthFailure) { refuse(res, error.code, error.message); return; }
      throw error;
    }

    // The account is connected even if the endpoint cannot be made now; Repair Webhooks retries.
    let webhook: WebhookSummary | null = null;
    let endpointFailure: string | null = null;
    try {
      webhook = await ensurePlatformEndpoint(ctx);
    } catch (error) {
      endpointFailure = classifyStripeError(error).message;
      ctx.log.warn({ err: error }, "the platform Connect endpoint could not be ensured");
    }

    const connection = await connectedAccount(ctx, {
      workspaceId: state.workspaceId,
      accountId: granted.accountId,
      livemode: granted.livemode,
      method: "oauth",
      webhook: webhook ? { ...webhook, sealedSecret: null } : null,
      token: granted.accessToken,
    });
    try {
      await ctx.store.putConnection(connection);
    } catch (error) {
      if (error instanceof StoreConflict) { refuse(res, "account_taken", error.message); return; }
      throw error;
    }
    ctx.log.info({ workspaceId: state.workspaceId, accountId: granted.accountId, livemode: granted.livemode }, "Stripe connected with OAuth");
    if (endpointFailure) {
      backToPage(res, {
        connected: granted.accountId,
        error: "webhook_setup_failed",
        message: `Connected ${granted.accountId}, but the platform's webhook endpoint could not be set up (${endpointFailure}); press Repair Webhooks.`,
      });
      return;
    }
    backToPage(res, { connected: granted.accountId });
  });

  return router;
}
