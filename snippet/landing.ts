import { isClickId, isCode, type Referral } from "./referral.js";

// What the landing URL asks for. `icd` is a click the server already recorded on /r/:code, so it
// wins over `via`/`ref`, which ask for a new click to be recorded. Nothing is removed from the URL.

export interface ClickBody {
  program: string;
  code?: string;
  clickId?: string;
  existing?: string;
  url: string;
  referrer: string | null;
}

export interface Step {
  /** A click the server must record or arbitrate (first- or last-click is the program's rule). */
  click?: ClickBody;
  /** A referral to keep without asking anyone. */
  keep?: Referral;
}

// Used when an `icd` arrives without its `icx`: the common default window among affiliate tools.
const DEFAULT_WINDOW = 60 * 24 * 3600 * 1000;
// The server refuses longer URLs; a truncated one still says where the visitor landed. (Browsers
// send only the origin as a cross-site referrer, so that one stays short.)
const MAX_URL = 2000;

export function landing(params: URLSearchParams, stored: Referral | null, program: string): Step {
  const icd = params.get("icd");
  const code = params.get("via") || params.get("ref");
  const page = {
    program,
    existing: stored?.id,
    url: location.href.slice(0, MAX_URL),
    referrer: document.referrer || null,
  };
  if (isClickId(icd)) {
    const affiliate = params.get("ica");
    if (!stored) return { keep: { id: icd, expires: expiry(params.get("icx")), affiliate: isCode(affiliate) ? affiliate : undefined } };
    return stored.id == icd ? {} : { click: { ...page, clickId: icd } };
  }
  return code ? { click: { ...page, code } } : {};
}

/** `icx` is the click's expiry (and `ica` its affiliate's code) in epoch seconds, appended by /r/:code next to `icd`. */
function expiry(icx: string | null): number {
  const seconds = Number(icx);
  return seconds > 0 ? seconds * 1000 : Date.now() + DEFAULT_WINDOW;
}
