// The referral of the request being served, carried across awaits so that code far from the
// Express handler (a Stripe client created at start-up) can find it without being passed it.

import { AsyncLocalStorage } from "node:async_hooks";
import type { Referral } from "./referral-format.js";

const storage = new AsyncLocalStorage<Referral | null>();

// Null both outside any request and inside a request that came with no usable referral.
export function currentReferral(): Referral | null {
  return storage.getStore() ?? null;
}

// For frameworks other than Express: wrap the handling of one request in this.
export function runWithReferral<T>(referral: Referral | null, fn: () => T): T {
  return storage.run(referral, fn);
}
