import Stripe from "stripe";

// Stripe's answers sorted by what Icodrip can do about them: a revoked credential needs the
// merchant, a missing permission needs a better key, a missing object needs re-creating, and
// anything else (network, 5xx, rate limit) is worth trying again later.

export type StripeFailure =
  | { kind: "unauthorized"; message: string }
  | { kind: "permission"; message: string }
  | { kind: "not_found"; message: string }
  | { kind: "invalid_grant"; message: string }
  | { kind: "oauth"; code: string; message: string }
  | { kind: "unavailable"; message: string };

export function classifyStripeError(error: unknown): StripeFailure {
  if (error instanceof Stripe.errors.StripeInvalidGrantError) return { kind: "invalid_grant", message: error.message };
  if (error instanceof Stripe.errors.StripeOAuthError) {
    return { kind: "oauth", code: error.rawType ?? "oauth_error", message: error.message || `Stripe answered ${error.rawType ?? "an OAuth error"}` };
  }
  if (error instanceof Stripe.errors.StripeError) {
    if (error.statusCode === 401 || error instanceof Stripe.errors.StripeAuthenticationError) return { kind: "unauthorized", message: error.message };
    if (error.statusCode === 403 || error instanceof Stripe.errors.StripePermissionError) return { kind: "permission", message: error.message };
    if (error.statusCode === 404) return { kind: "not_found", message: error.message };
    return { kind: "unavailable", message: error.message || `Stripe answered ${error.statusCode ?? "an error"}` };
  }
  return { kind: "unavailable", message: error instanceof Error ? error.message : String(error) };
}

/** Runs a Stripe call; a 404 answers null instead of throwing. */
export async function orNull<T>(call: Promise<T>): Promise<T | null> {
  try {
    return await call;
  } catch (error) {
    if (classifyStripeError(error).kind === "not_found") return null;
    throw error;
  }
}
