// What a referral is, and which values are trustworthy enough to hand to Stripe. Stripe answers an
// invalid `client_reference_id` or `customer_email` with an error, so a bad value here would break
// the merchant's checkout rather than merely lose an attribution.

export interface Referral {
  clickId: string;
  email?: string;
}

// `icd_` plus at most 196 more characters keeps within Stripe's 200-character client_reference_id.
const CLICK_ID = /^icd_[A-Za-z0-9_-]{1,196}$/;

// RFC 5321 limits: 64 for the local part, 254 for the whole address, 63 per domain label.
const MAX_EMAIL = 254;
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]{1,64}$/;
const DOT_ATOM_BREAKS = /^\.|\.\.|\.$/;
const DOMAIN_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const TOP_LEVEL = /^(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})$/;

export function isClickId(value: unknown): value is string {
  return typeof value === "string" && CLICK_ID.test(value);
}

// Deliberately narrower than RFC 5322 (no quoted local parts, comments or IP literals): an address
// outside the common dot-atom form is far more likely forged or mangled than real.
export function isPlausibleEmail(value: unknown): value is string {
  if (typeof value !== "string" || value.length > MAX_EMAIL) return false;
  const at = value.lastIndexOf("@");
  if (at <= 0 || value.indexOf("@") !== at) return false;
  const local = value.slice(0, at);
  const labels = value.slice(at + 1).split(".");
  if (!LOCAL_PART.test(local.replaceAll(".", "")) || local.length > 64 || DOT_ATOM_BREAKS.test(local)) return false;
  if (labels.length < 2 || !labels.every((label) => DOMAIN_LABEL.test(label))) return false;
  return TOP_LEVEL.test(labels[labels.length - 1]);
}
