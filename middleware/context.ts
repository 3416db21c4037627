// The referral of the request being served, carried across awaits so that code far from the
// Express handler (a Stripe client created at start-up) can find it without being passed it.

import { AsyncLocalStorage } from "node:async_hooks";
import type { Referral } from "./referral-format.js";

// One store per process, not per copy of this module: the package ships an ES module and a
// CommonJS build, and `icodrip/middleware` compiles the same source again, so an app can load two
// copies (referral() through `import`, wrapStripe through `require`). Each copy keeping a store of
// its own would make wrapStripe see no referral, and sessions would silently lose attribution.
const STORE_KEY = Symbol.for("icodrip.middleware.referral-storage");
const holder = globalThis as typeof globalThis & { [STORE_KEY]?: AsyncLocalStorage<Referral | null> };
const storage = (holder[STORE_KEY] ??= new AsyncLocalStorage<Referral | null>());

// Null both outside any request and inside a request that came with no usable referral.
export function currentReferral(): Referral | null {
  return storage.getStore() ?? null;
}

// For frameworks other than Express: wrap the handling of one request in this.
export function runWithReferral<T>(referral: Referral | null, fn: () => T): T {
  return storage.run(referral, fn);
}
