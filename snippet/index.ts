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

import { isBot } from "./bot.js";
import { decorate } from "./decorate.js";
import { isEmail } from "./email.js";
import { AFF, asCode, isClickId, REF, type Referral } from "./referral.js";
import { noop, safe } from "./safe.js";
import { cookie, local, type Place } from "./storage.js";

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
  // currentScript is null when a tag manager or loader evaluates the code, hence the fallback.
  const tag = document.currentScript as HTMLScriptElement | null;
  const script = tag?.dataset.program ? tag : document.querySelector<HTMLScriptElement>("script[data-program]");
  const { program, api, domain } = script?.dataset ?? {};
  const origin = api || (script?.src && new URL(script.src).origin);
  // Where the requests go (`${endpoint}click`: trailing slashes of the origin give way to "/t/"), `${endpoint}lead`), or nothing without a program
  // key, without an origin to send to (an inline copy has no src, so it needs data-api) or for a
  // bot: then the global still exists, so the merchant's calls keep working, but nothing is read,
  // stored or sent. The file is normally served by Icodrip itself, so its own origin is the API's.
  const endpoint = program && origin && !isBot() && origin.replace(/\/*$/, "/t/");
  // Callbacks waiting for the referral, the stub's queue first; the referral is 0 until it is
  // known (null: there is none). 0 rather than undefined: `0===x` is shorter than `void 0===x`.
  const waiting = stub?.q || [];
  let current: Referral | null | 0 = 0;

  // Reads from the first place holding the name (a place that holds nothing throws); writes to the
  // first place where the write sticks. The cookie domain (data-domain) is a fourth argument, which
  // localStorage ignores.
  const store: Place = (name, value, expires) => {
    for (const place of [cookie, local]) {
      try {
        const held = place(name, value, expires, domain);
        if (!value || held == value) return held;
      } catch {
        // This place is closed to us (blocked storage, a full quota): the next one may not be.
      }
    }
  };

  /** Answers the referral when it is still live, else null (nothing is written then). */
  const save = (referral: Referral): Referral | null => {
    const { id, encodedEmail, affiliateCode, expires } = referral;
    if (!(expires > Date.now())) return null;
    store(AFF, `${affiliateCode}:${expires}`, expires);
    store(REF, encodedEmail ? `${id}:${encodedEmail}` : id, expires);
    return referral;
  };

  // Both requests name the program. The body is a string, so the browser labels it
  // text/plain;charset=UTF-8 by itself: a "simple" request, which needs no CORS preflight, one
  // round trip (the server parses the JSON anyway). keepalive lets it finish
  // when the visitor navigates away at once; no cookie of Icodrip's origin is ever needed. Being
  // async, a fetch that throws at once (blocked, or replaced by something odd) turns into a
  // rejection the caller handles.
  const post = async (kind: string, body: object) =>
    // Only ever called with an endpoint: lead() checks it, and no click is asked for without one.
    fetch((endpoint as string) + kind, {
      method: "POST",
      body: JSON.stringify({ program, ...body }),
      keepalive: true,
      credentials: "omit",
    });

  const icodrip: Icodrip = (host.icodrip = {
    referral: null,
    affiliate: null,
    // safe() also shields the page from a callback that throws, and the next callbacks from it.
    ready: safe((callback: Callback) => (current === 0 ? waiting.push(callback) : callback(icodrip.referral))),
    // Deferred until the referral is known, so a lead sent during the click request is not lost.
    lead: safe((value: unknown) =>
      icodrip.ready(() => {
        const email = String(value).trim();
        const encoded = encodeURIComponent(email);
        // Pages that call lead() on every view with the signed-in user's email send it once. There
        // is a current referral only with an endpoint (without one, settle(null) runs at once).
        if (current && isEmail(email) && current.encodedEmail != encoded) {
          post("lead", { clickId: current.id, email }).catch(noop);
          current.encodedEmail = encoded;
          save(current);
        }
      }),
    ),
  });

  // Wrapped because it also runs as a promise's continuation, where a throw would surface as an
  // unhandled rejection.
  const settle = safe((referral: Referral | null) => {
    current = referral;
    if (referral) {
      icodrip.referral = referral.id;
      icodrip.affiliate = referral.affiliateCode || null;
      // Wrapped on its own, so a failure there still lets the callbacks below run.
      safe(decorate)(referral.id);
    }
    // The referral is known now, so ready() calls each one at once.
    waiting.forEach(icodrip.ready);
  });

  // What the landing URL asks for. `icd` is a click the server already recorded on /r/:code, so it
  // wins over `via`/`ref`, which ask for a new click to be recorded. Nothing is removed from the URL.
  // split() answers at least one part, so a missing cookie gives affiliateCode "".
  const parts = (name: string) => (store(name) || "").split(":");
  const [id, encodedEmail] = parts(REF);
  const [affiliateCode, expires] = parts(AFF);
  const stored = isClickId(id) ? { id, encodedEmail, affiliateCode, expires: +expires } : null;
  const params = new URLSearchParams(location.search);
  const icd = params.get("icd");
  const code = params.get("via") || params.get("ref");

  // The server applies the program's first- or last-click rule and answers the click to keep, which
  // may be the visitor's existing one. A refusal (unknown or disabled affiliate), an answer without
  // a click id, or a failed request keeps what the visitor had. Their email, when known, stays.
  // A click id the visitor already holds is a reload of the landing page: nothing to ask.
  // Without an endpoint, the cookies are read (cheaper than a separate early return) but nothing
  // is asked, stored or used: the referral is null.
  const ask = endpoint && (isClickId(icd) ? stored?.id != icd && { clickId: icd } : code && { code });

  if (endpoint && !stored && isClickId(icd))
    // `icx` is the click's expiry (and `ica` its affiliate's code) in epoch seconds, appended by
    // /r/:code next to `icd`; a click id alone needs no request. Without a usable icx (missing,
    // zero or not a number) the default window applies; a past one stores nothing.
    settle(save({ id: icd, affiliateCode: asCode(params.get("ica")), expires: +(params.get("icx") as string) * 1000 || Date.now() + DEFAULT_WINDOW }));
  else if (ask)
    void post("click", {
      existing: stored?.id,
      url: location.href.slice(0, MAX_URL),
      referrer: document.referrer || null,
      ...ask,
    })
      // A refusal reads as false, which destructures to nothing below.
      .then((response) => (response.ok && response.json()) as Promise<Partial<Record<string, unknown>>>)
      // Checked field by field, as the answer was read as unknown (+ converts any value as Number()
      // would; the cast only lets TypeScript accept the operator).
      .then(({ clickId, affiliate, expiresAt }) => isClickId(clickId) && save({ id: clickId, encodedEmail: stored?.encodedEmail, affiliateCode: asCode(affiliate), expires: +(expiresAt as string) }))
      // Failed, blocked, or not JSON: the stored referral stands.
      .catch(noop)
      .then((kept) => settle(kept || stored));
  else settle(endpoint ? stored : null);
})(window as Host);
