// Reads the value the snippet stores in the `icodrip_ref` cookie (and that single-page apps echo in
// `X-Icodrip-Referral`): `<clickId>` or `<clickId>:<encodeURIComponent(email)>`. Anyone can set a
// cookie or header, so anything that does not fit exactly is dropped whole rather than half-used.

import { isClickId, isPlausibleEmail, type Referral } from "./referral-format.js";

// Longest honest value: a 200-character click id, the colon, and a 254-character email with every
// character percent-encoded. Anything longer is refused before any decoding work is done.
const MAX_VALUE = 200 + 1 + 254 * 3;

export function parseReferral(value: string | undefined | null): Referral | null {
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_VALUE) return null;
  const colon = value.indexOf(":");
  const clickId = colon === -1 ? value : value.slice(0, colon);
  if (!isClickId(clickId)) return null;
  if (colon === -1) return { clickId };
  const email = decode(value.slice(colon + 1));
  return isPlausibleEmail(email) ? { clickId, email } : null;
}

function decode(encoded: string): string | null {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return null;
  }
}
