// Lets a merchant keep one Stripe client for the whole process and still get the current request's
// referral on every Checkout Session, without touching each call site.

import { currentReferral } from "./context.js";
import { withReferral, type CheckoutSessionParams } from "./with-referral.js";

// Structural rather than the `Stripe` class, so a merchant whose stripe-node differs from ours in
// version still type-checks, and gets back exactly the type they passed in.
export interface CheckoutSessionsClient {
  checkout: { sessions: { create(...args: unknown[]): unknown } };
}

export function wrapStripe<S extends CheckoutSessionsClient>(stripe: S): S {
  const checkout = stripe.checkout;
  const sessions = checkout.sessions;
  // eslint-disable-next-line @typescript-eslint/unbound-method -- always called with apply/call on `sessions` below
  const create = sessions.create;

  // Resolved against the client as it is now; bound to the real resource, whose methods use `this`.
  function createWithReferral(...args: unknown[]): unknown {
    const found = currentReferral();
    if (!found) return create.apply(sessions, args);
    const [params, ...rest] = args;
    return create.call(sessions, withReferral((params ?? {}) as CheckoutSessionParams, found), ...rest);
  }

  const wrappedSessions = passThroughExcept(sessions, "create", createWithReferral);
  const wrappedCheckout = passThroughExcept(checkout, "sessions", wrappedSessions);
  return passThroughExcept(stripe, "checkout", wrappedCheckout);
}

// A Proxy rather than a copy: every other property, including ones stripe-node adds lazily or that
// the merchant sets later, reads and writes the original object.
function passThroughExcept<T extends object>(target: T, key: PropertyKey, replacement: unknown): T {
  return new Proxy(target, {
    get: (object, property) => (property === key ? replacement : Reflect.get(object, property)),
  });
}
