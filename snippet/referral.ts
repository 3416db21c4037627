import type { Place } from "./storage.js";

// Two cookies. `icodrip_ref` is read by the merchant's server (the middleware) and its format is
// fixed: `<clickId>` or `<clickId>:<encodeURIComponent(email)>`. `icodrip_aff` holds what only
// the snippet needs, `<affiliate code>:<expiresAt ms>`: the expiry lets lead() rewrite
// icodrip_ref later without stretching the program's cookie window.
const REF = "icodrip_ref";
const AFF = "icodrip_aff";

// The build renames these four fields (rollup.config.ts lists them), so none of them may name a
// field of a request body, a server answer or window.icodrip.
export interface Referral {
  id: string;
  /** Already percent-encoded. */
  encodedEmail?: string;
  /** "" when unknown. */
  affiliateCode: string;
  /** Epoch ms; NaN when the cookie holding it has gone missing (so the referral is never saved again). */
  expires: number;
}

// Stripe's client_reference_id allows at most 200 characters of A-Za-z0-9_- (\w is A-Za-z0-9_).
const CLICK_ID = /^icd_[\w-]{1,196}$/;
// Affiliate codes are url-safe by the API's rules; anything else could break the cookie.
const CODE = /^[\w-]{1,100}$/;
export const isClickId = (value: unknown): value is string => typeof value == "string" && CLICK_ID.test(value);
/** The value when it is an affiliate code, else "". */
export const asCode = (value: unknown): string => (typeof value == "string" && CODE.test(value) ? value : "");

export const load = (store: Place): Referral | null => {
  // split() answers at least one part, so a missing cookie gives affiliateCode "".
  const parts = (name: string) => (store(name) || "").split(":");
  const [id, encodedEmail] = parts(REF);
  const [affiliateCode, expires] = parts(AFF);
  return isClickId(id) ? { id, encodedEmail, affiliateCode, expires: +expires } : null;
};

/** Answers the referral when it is still live, else null (nothing is written then). */
export const save = (store: Place, referral: Referral): Referral | null => {
  const { id, encodedEmail, affiliateCode, expires } = referral;
  if (!(expires > Date.now())) return null;
  store(AFF, `${affiliateCode}:${expires}`, expires);
  store(REF, encodedEmail ? `${id}:${encodedEmail}` : id, expires);
  return referral;
};
