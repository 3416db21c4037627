import { recordClick } from "./click.js";
import { post } from "./api.js";
import type { Config } from "./config.js";
import { decorate, observe } from "./decorate.js";
import { isEmail } from "./email.js";
import { landing } from "./landing.js";
import { load, save, type Referral } from "./referral.js";
import { noop, safe } from "./safe.js";
import { cookies, expiring, jar, memory } from "./storage.js";

export type Callback = (referral: string | null) => void;

/** The public `window.icodrip`. */
export interface Icodrip {
  referral: string | null;
  affiliate: string | null;
  // Properties rather than methods: they use no `this`, and pages pass them around unbound.
  ready: (callback: Callback) => void;
  // unknown: pages call it from untyped JavaScript, so the value is made a string first.
  lead: (email: unknown) => void;
}

/**
 * Without a config (no program on the page, or a bot) the global still exists, so the merchant's
 * calls keep working, but nothing is read, stored or sent.
 */
export function tracker(config: Config | null): Icodrip {
  // Callbacks waiting for the referral; null once it is known.
  let waiting: Callback[] | null = [];
  let current: Referral | null = null;
  const scratch = memory();
  const store = jar([cookies(config?.domain ?? null), expiring(() => localStorage), expiring(() => scratch)]);

  const api: Icodrip = {
    referral: null,
    affiliate: null,
    // safe() also shields the page from a callback that throws, and the next callbacks from it.
    ready: safe((callback: Callback) => (waiting ? waiting.push(callback) : callback(api.referral))),
    // Deferred until the referral is known, so a lead sent during the click request is not lost.
    lead: safe((email: unknown) => api.ready(() => lead(String(email).trim()))),
  };

  function settle(referral: Referral | null): void {
    current = referral;
    api.referral = referral?.id ?? null;
    api.affiliate = referral?.affiliate || null;
    if (referral) safe(decorateNowAndLater)(referral.id);
    const queued = waiting;
    waiting = null;
    queued?.forEach(api.ready);
  }

  function lead(email: string): void {
    if (!config || !current || !isEmail(email)) return;
    const encoded = encodeURIComponent(email);
    // Pages that call lead() on every view with the signed-in user's email send it once.
    if (current.email == encoded) return;
    post(`${config.api}/t/lead`, { program: config.program, clickId: current.id, email }).catch(noop);
    current.email = encoded;
    save(store, current);
  }

  if (!config) {
    settle(null);
    return api;
  }
  const stored = load(store);
  const step = landing(new URLSearchParams(location.search), stored, config.program);
  if (step.click) {
    // Never rejects: failures fall back to the stored referral, and safe() shields settle.
    void recordClick(`${config.api}/t/click`, step.click, stored)
      .then((fresh) => (fresh && save(store, fresh)) || stored)
      .catch(() => stored)
      .then(safe(settle));
  } else {
    settle((step.keep && save(store, step.keep)) || stored);
  }
  return api;
}

function decorateNowAndLater(id: string): void {
  decorate(document, id);
  observe(id);
}
