// Icodrip's browser snippet: keeps an affiliate referral in a first-party cookie and hands it to
// Stripe's no-code checkouts. Install:
//
//   <script async src="https://ICODRIP/snippet.js" data-program="PROGRAM_KEY"></script>
//
// Optional attributes: data-domain="example.com" shares the referral across subdomains;
// data-api="https://icodrip.example" names Icodrip's origin when this file is self-hosted.
//
// The script is async, so code that may run before it has loaded puts this stub first; the
// callbacks it queues are called once the referral is known:
//
//   window.icodrip=window.icodrip||{q:[],ready:function(c){this.q.push(c)}};
//   icodrip.ready(function (clickId) { … });
//   icodrip.ready(function () { icodrip.lead(email); });   // lead() itself exists once loaded
//
// Everything runs in the one function below (no factory returning the global): fewer bytes.

import { post } from "./api.js";
import { readConfig } from "./config.js";
import { decorate } from "./decorate.js";
import { EMAIL } from "./email.js";
import { asCode, isClickId, load, save, type Referral } from "./referral.js";
import { noop, safe } from "./safe.js";
import { jar } from "./storage.js";

type Callback = (referral: string | null) => void;

/** The public `window.icodrip`. */
interface Icodrip {
  referral: string | null;
  affiliate: string | null;
  // Properties rather than methods: they use no `this`, and pages pass them around unbound.
  ready: (callback: Callback) => void;
  // unknown: pages call it from untyped JavaScript, so the value is made a string first.
  lead: (email: unknown) => void;
}

type Host = { icodrip?: Partial<Icodrip> & { q?: Callback[] } };

// Used when an `icd` arrives without its `icx`: the common default window among affiliate tools.
const DEFAULT_WINDOW = 60 * 24 * 3600 * 1000;
// The server refuses longer URLs; a truncated one still says where the visitor landed. (Browsers
// send only the origin as a cross-site referrer, so that one stays short.)
const MAX_URL = 2000;

// The window comes in as the one argument every safe() function takes.
safe((host: Host) => {
  const stub = host.icodrip;
  // Included twice: the first copy already tracks this page, and a second click would be noise.
  if (stub?.lead) return;
  // Without a config (see readConfig) the global still exists, so the merchant's calls keep
  // working, but nothing is read, stored or sent.
  const config = readConfig();
  // Callbacks waiting for the referral, the stub's queue first; the referral is undefined until
  // it is known (null: there is none).
  const waiting = stub?.q || [];
  let current: Referral | null | undefined;
  const store = jar(config?.domain);

  const api: Icodrip = (host.icodrip = {
    referral: null,
    affiliate: null,
    // safe() also shields the page from a callback that throws, and the next callbacks from it.
    ready: safe((callback: Callback) => (current === undefined ? waiting.push(callback) : callback(api.referral))),
    // Deferred until the referral is known, so a lead sent during the click request is not lost.
    lead: safe((value: unknown) =>
      api.ready(() => {
        const email = String(value).trim();
        // Pages that call lead() on every view with the signed-in user's email send it once.
        if (config && current && EMAIL.test(email) && current.encodedEmail != encodeURIComponent(email)) {
          post(config, "lead", { clickId: current.id, email }).catch(noop);
          current.encodedEmail = encodeURIComponent(email);
          save(store, current);
        }
      }),
    ),
  });

  // Wrapped because it also runs as a promise's continuation, where a throw would surface as an
  // unhandled rejection.
  const settle = safe((referral: Referral | null) => {
    current = referral;
    if (referral) {
      api.referral = referral.id;
      api.affiliate = referral.affiliateCode || null;
      // Wrapped on its own, so a failure there still lets the callbacks below run.
      safe(decorate)(referral.id);
    }
    // The referral is known now, so ready() calls each one at once.
    waiting.forEach(api.ready);
  });

  if (!config) {
    settle(null);
    return;
  }

  // What the landing URL asks for. `icd` is a click the server already recorded on /r/:code, so it
  // wins over `via`/`ref`, which ask for a new click to be recorded. Nothing is removed from the URL.
  const stored = load(store);
  const params = new URLSearchParams(location.search);
  const icd = params.get("icd");
  const code = params.get("via") || params.get("ref");

  // The server applies the program's first- or last-click rule and answers the click to keep, which
  // may be the visitor's existing one. A refusal (unknown or disabled affiliate), an answer without
  // a click id, or a failed request keeps what the visitor had. Their email, when known, stays.
  const click = (body: { clickId: string } | { code: string }) =>
    post(config, "click", {
      existing: stored?.id,
      url: location.href.slice(0, MAX_URL),
      referrer: document.referrer || null,
      ...body,
    })
      // A refusal reads as false, which destructures to nothing below.
      .then((response) => (response.ok && response.json()) as Promise<Partial<Record<string, unknown>>>)
      // Checked field by field, as the answer was read as unknown.
      .then(({ clickId, affiliate, expiresAt }) => isClickId(clickId) && save(store, { id: clickId, encodedEmail: stored?.encodedEmail, affiliateCode: asCode(affiliate), expires: Number(expiresAt) }))
      // Failed, blocked, or not JSON: the stored referral stands.
      .catch(noop)
      .then((kept) => settle(kept || stored));

  if (isClickId(icd)) {
    if (!stored) {
      // `icx` is the click's expiry (and `ica` its affiliate's code) in epoch seconds, appended by
      // /r/:code next to `icd`; a click id alone needs no request.
      const seconds = Number(params.get("icx"));
      settle(save(store, { id: icd, affiliateCode: asCode(params.get("ica")), expires: seconds > 0 ? seconds * 1000 : Date.now() + DEFAULT_WINDOW }));
    } else if (stored.id != icd) void click({ clickId: icd });
    // A reload of the landing page: the click is the one already kept.
    else settle(stored);
  } else if (code) void click({ code });
  else settle(stored);
})(window as Host);
