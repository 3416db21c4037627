// Two cookies. `icodrip_ref` is read by the merchant's server (the middleware) and its format is
// fixed: `<clickId>` or `<clickId>:<encodeURIComponent(email)>`. `icodrip_aff` holds what only
// the snippet needs, `<affiliate code>:<expiresAt ms>`: the expiry lets lead() rewrite
// icodrip_ref later without stretching the program's cookie window.
//
// index.ts writes both names out where it reads and writes them rather than importing constants:
// terser keeps a string constant used more than once under a name of its own, which costs more
// than gzip spends on repeating the string.

// The snippet's own record of a referral, never sent or stored as such (cookies and requests are
// written field by field). A tuple rather than an object: no field names in the built file, and
// the encoded email, the one optional element, last.
export type Referral = [
  id: string,
  /** "" when unknown. */
  affiliateCode: string,
  /** Epoch ms; NaN when the cookie holding it has gone missing (so the referral is never saved again). */
  expires: number,
  /** Already percent-encoded. */
  encodedEmail?: string,
];

/** No referral (or none yet known to be live): whatever falsy value the code at hand yields. */
export type None = false | null | undefined | "";

// Each pattern is written where it is used, not as a constant beside it: terser keeps a constant
// holding a RegExp (a literal creates a new object), and its name costs bytes. Neither pattern has
// the g or y flag, so a fresh object per call behaves exactly like a shared one.
//
// Stripe's client_reference_id allows at most 200 characters of A-Za-z0-9_- (\w is A-Za-z0-9_).
export const isClickId = (value: unknown): value is string => typeof value == "string" && /^icd_[\w-]{1,196}$/.test(value);
// Affiliate codes are url-safe by the API's rules; anything else could break the cookie.
/** The value when it is an affiliate code, else "". */
export const asCode = (value: unknown): string => (typeof value == "string" && /^[\w-]{1,100}$/.test(value) ? value : "");
