import { z } from "zod";
import type { Config } from "../../config/config.js";
import { stripeConnect } from "../client.js";
import { IcodripError } from "../../domain/errors.js";
import { classifyStripeError } from "./stripe-error.js";

// Stripe Connect OAuth for Standard accounts, read_only: Icodrip reads payments, it never moves money.

export const oauthRedirectUri = (config: Config) => `${config.publicUrl}/integrations/stripe/callback`;

/**
 * Where "Connect Stripe" sends the browser. stripe-node's authorizeUrl defaults the scope to
 * read_write, so read_only is passed explicitly; it also always writes https:// and the bare
 * host, so its path and query are moved onto STRIPE_CONNECT_URL (an emulator's http://host:port
 * in tests, Stripe's own origin otherwise).
 */
export function authorizeUrl(config: Config, state: string): string {
  const built = new URL(
    stripeConnect(config).oauth.authorizeUrl({
      response_type: "code",
      client_id: config.stripe.clientId ?? undefined,
      scope: "read_only",
      state,
      redirect_uri: oauthRedirectUri(config),
    }),
  );
  return `${config.stripe.connectUrl}${built.pathname}${built.search}`;
}

const tokenAnswer = z.object({
  access_token: z.string().min(1),
  stripe_user_id: z.string().regex(/^acct_[A-Za-z0-9]+$/),
  livemode: z.boolean(),
  scope: z.string().optional(),
});

export type GrantedAccess = { accountId: string; livemode: boolean; accessToken: string; scope: string | null };

export class OAuthFailure extends IcodripError {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Trades the callback's code for an access token; failures become an OAuthFailure a merchant can read. */
export async function exchangeCode(config: Config, code: string): Promise<GrantedAccess> {
  let answer: unknown;
  try {
    answer = await stripeConnect(config).oauth.token({ grant_type: "authorization_code", code });
  } catch (error) {
    const failure = classifyStripeError(error);
    if (failure.kind === "invalid_grant") {
      throw new OAuthFailure(
        "invalid_grant",
        `Stripe refused the authorization code (${failure.message}); it expires after a few minutes and works once. Press Connect Stripe again.`,
      );
    }
    const code = failure.kind === "oauth" ? failure.code : "oauth_failed";
    throw new OAuthFailure(code, `Stripe did not complete the connection (${failure.message}). Press Connect Stripe again; if it keeps failing, check STRIPE_CLIENT_ID and STRIPE_SECRET_KEY.`);
  }
  const parsed = tokenAnswer.safeParse(answer);
  if (!parsed.success) {
    throw new OAuthFailure("oauth_failed", "Stripe's answer to the code exchange had no account id or access token. Press Connect Stripe again.");
  }
  const t = parsed.data;
  return { accountId: t.stripe_user_id, livemode: t.livemode, accessToken: t.access_token, scope: t.scope ?? null };
}

/**
 * Revokes Icodrip's access to a connected account. An account that is connected no more
 * (deauthorized in Stripe's Dashboard already) counts as done.
 */
export async function deauthorize(config: Config, accountId: string): Promise<void> {
  try {
    await stripeConnect(config).oauth.deauthorize({ client_id: config.stripe.clientId ?? undefined, stripe_user_id: accountId });
  } catch (error) {
    const failure = classifyStripeError(error);
    if (failure.kind === "oauth" && failure.code === "invalid_client" && /not connected/i.test(failure.message)) return;
    throw new OAuthFailure("deauthorize_failed", `Stripe did not revoke the connection to ${accountId} (${failure.message}); try Disconnect again.`);
  }
}
