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
import { asCode, isClickId, type None, type Referral } from "./referral.js";
import { safe } from "./safe.js";
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
  const origin = program && (api || (script?.src && new URL(script.src).origin));
  // Where the requests go (`${endpoint}click`: trailing slashes of the origin give way to "/t/"), `${endpoint}lead`), or nothing without a program
  // key, without an origin to send to (an inline copy has no src, so it needs data-api) or for a
  // bot: then the global still exists, so the merchant's calls keep working, but nothing is read,
  // stored or sent. The file is normally served by Icodrip itself, so its own origin is the API's.
  const endpoint = origin && !isBot() && origin.replace(/\/*$/, "/t/");
  // Callbacks waiting for the referral, the stub's queue first; the referral is 0 until it is
  // known (a None: there is none). 0 rather than undefined: `0===x` is shorter than `void 0===x`.
  const waiting = stub?.q || [];
  let current: Referral | None | 0 = 0;

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

  /** Answers the referral when it is still live, else false (nothing is written then). Takes the
   * fields one by one, so lead() passes its referral spread and the landing passes fields. */
  const save = (id: string, affiliateCode: string, expires: number, encodedEmail?: string): Referral | false => {
    if (!(expires > Date.now())) return false;
    store("icodrip_aff", `${affiliateCode}:${expires}`, expires);
    store("icodrip_ref", encodedEmail ? `${id}:${encodedEmail}` : id, expires);
    return [id, affiliateCode, expires, encodedEmail];
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

  // safe() also shields the page from a callback that throws, and the next callbacks from it.
  const ready = safe((callback: Callback) => (current === 0 ? waiting.push(callback) : callback(icodrip.referral)));
  const icodrip: Icodrip = (host.icodrip = {
    referral: null,
    affiliate: null,
    ready,
    // Deferred until the referral is known, so a lead sent during the click request is not lost.
    // Not wrapped itself: ready() never throws, and all the work is in the callback it shields.
    lead: (value: unknown) =>
      ready(() => {
        const email = String(value).trim();
        const encoded = encodeURIComponent(email);
        // Pages that call lead() on every view with the signed-in user's email send it once. There
        // is a current referral only with an endpoint (without one, a None is settled at once).
        if (current && isEmail(email) && current[3] != encoded) {
          post("lead", { clickId: current[0], email }).catch(() => {});
          current[3] = encoded;
          save(...current);
        }
      }),
  });

  // Wrapped because it also runs as a promise's continuation, where a throw would surface as a
  // rejection (and the click's catch would settle a second time).
  const settle = safe((referral: Referral | None) => {
    current = referral;
    if (referral) {
      icodrip.affiliate = referral[1] || null;
      // Wrapped on its own, so a failure there still lets the callbacks below run; it decorates
      // with the id just made public.
      safe(decorate)((icodrip.referral = referral[0]));
    }
    // The referral is known now, so ready() calls each one at once.
    waiting.forEach(ready);
  });

  // What the landing URL asks for. `icd` is a click the server already recorded on /r/:code, so it
  // wins over `via`/`ref`, which ask for a new click to be recorded. Nothing is removed from the URL.
  // split() answers at least one part, so a missing cookie gives affiliateCode "". Without a stored
  // referral there is no existing click id and no stored email.
  const parts = (name: string) => (store(name) || "").split(":");
  const [id, encodedEmail] = parts("icodrip_ref");
  const [affiliateCode, expires] = parts("icodrip_aff");
  const stored: Referral | false = isClickId(id) && [id, affiliateCode, +expires, encodedEmail];
  const [existing, , , storedEmail] = stored || [];
  const params = new URLSearchParams(location.search);
  const icd = params.get("icd");
  const code = params.get("via") || params.get("ref");

  // The server applies the program's first- or last-click rule and answers the click to keep, which
  // may be the visitor's existing one. A refusal (unknown or disabled affiliate), an answer without
  // a click id, or a failed request keeps what the visitor had. Their email, when known, stays.
  const click = (ask: object) =>
    post("click", {
      existing,
      url: location.href.slice(0, MAX_URL),
      referrer: document.referrer || null,
      ...ask,
    })
      // A refusal reads as false, which destructures to nothing below.
      .then((response) => (response.ok && response.json()) as Promise<Partial<Record<string, unknown>>>)
      // Checked field by field, as the answer was read as unknown (+ converts any value as Number()
      // would; the cast only lets TypeScript accept the operator).
      .then(({ clickId, affiliate, expiresAt }) => settle((isClickId(clickId) && save(clickId, asCode(affiliate), +(expiresAt as string), storedEmail)) || stored))
      // Failed, blocked, or not JSON (an answer of null fails to destructure): the stored referral
      // stands. settle() itself never throws, so this never settles twice.
      .catch(() => settle(stored));

  // Without an endpoint, the cookies are read (cheaper than a separate early return) but nothing
  // is asked, stored or used: the referral is none, the endpoint itself being a falsy value.
  if (!endpoint) settle(endpoint as None);
  else if (isClickId(icd))
    if (!stored)
      // `icx` is the click's expiry (and `ica` its affiliate's code) in epoch seconds, appended by
      // /r/:code next to `icd`; a click id alone needs no request. Without a usable icx (missing,
      // zero or not a number) the default window applies; a past one stores nothing.
      settle(save(icd, asCode(params.get("ica")), +(params.get("icx") as string) * 1000 || Date.now() + DEFAULT_WINDOW));
    // A click id the visitor already holds is a reload of the landing page: nothing to ask.
    else if (existing == icd) settle(stored);
    else void click({ clickId: icd });
  else if (code) void click({ code });
  else settle(stored);
})(window as Host);
