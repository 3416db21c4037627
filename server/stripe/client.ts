import Stripe from "stripe";
import type { Config } from "../config/config.js";

// Every Stripe call Icodrip makes goes through a client built here, so the API version is
// pinned in one place and STRIPE_API_URL / STRIPE_CONNECT_URL can point the whole server at
// a local emulator.

/** The version stripe-node 23 is generated for; endpoints Icodrip creates render events in it too. */
export const STRIPE_API_VERSION = "2026-10-28.endive";

// A browser waits on these calls (the OAuth callback, the dashboard), so a slow Stripe should
// fail in seconds, not after stripe-node's 80 s default.
const TIMEOUT_MS = 20_000;

function origin(url: string) {
  const u = new URL(url);
  const protocol = u.protocol === "http:" ? "http" : "https";
  return { host: u.hostname, port: u.port || (protocol === "http" ? "80" : "443"), protocol } as const;
}

/**
 * A client of the API host that authenticates with `key` (platform key, restricted key or OAuth
 * token). A webhook delivery that reads from Stripe passes a shorter timeout and no retry: Stripe
 * retries the delivery itself.
 */
export function stripeApi(config: Config, key: string, o: { timeoutMs?: number; retries?: number } = {}): Stripe {
  return new Stripe(key, {
    apiVersion: STRIPE_API_VERSION,
    ...origin(config.stripe.apiUrl),
    timeout: o.timeoutMs ?? TIMEOUT_MS,
    maxNetworkRetries: o.retries ?? 1,
    appInfo: { name: "Icodrip" },
  });
}

/**
 * A client of the Connect host with the platform's key and client id. stripe-node sends
 * oauth.token and oauth.deauthorize to the instance's own host whenever that host is not
 * api.stripe.com, so giving it STRIPE_CONNECT_URL's host, port and protocol routes OAuth there.
 * A code exchange is never retried: a second attempt with the same code is an invalid_grant.
 */
export function stripeConnect(config: Config): Stripe {
  if (!config.stripe.secretKey || !config.stripe.clientId) {
    throw new Error("stripeConnect needs STRIPE_SECRET_KEY and STRIPE_CLIENT_ID");
  }
  const client = new Stripe(config.stripe.secretKey, {
    apiVersion: STRIPE_API_VERSION,
    ...origin(config.stripe.connectUrl),
    timeout: TIMEOUT_MS,
    maxNetworkRetries: 0,
    appInfo: { name: "Icodrip" },
  });
  client.setClientId(config.stripe.clientId);
  return client;
}

/** The platform's own client, when this install is a Connect platform. */
export function stripePlatform(config: Config): Stripe | null {
  return config.stripe.secretKey ? stripeApi(config, config.stripe.secretKey) : null;
}

/** Whether OAuth ("Connect Stripe") is possible on this install. */
export const isPlatform = (config: Config) => Boolean(config.stripe.secretKey && config.stripe.clientId);

/** Test or live, read from a key's prefix (sk_live_, rk_live_ …). */
export const keyLivemode = (key: string) => /^[a-z]{2}_live_/.test(key);
