import { randomFillSync } from "node:crypto";

// Identifiers are random and url-safe. A click id is what travels through Stripe as
// client_reference_id: `icd_` plus 22 base64url characters (132 bits), far inside Stripe's
// limit of 200 characters of A-Za-z0-9_-.

// A click and a delivery each take several ids, and a randomBytes call per id was a measurable
// share of their cost (a call into the CSPRNG each time). The bytes come from a pool filled 8 kB
// at a time instead, each byte handed out once, as randomUUID does for its own ids.
const POOL = Buffer.alloc(8192);
let used = POOL.length;
function randomBytes(bytes: number): Buffer {
  if (used + bytes > POOL.length) {
    randomFillSync(POOL);
    used = 0;
  }
  // A copy: the pool is refilled under it later.
  const out = Buffer.from(POOL.subarray(used, used + bytes));
  used += bytes;
  return out;
}
const random = (bytes: number) => randomBytes(bytes).toString("base64url");

export const CLICK_ID_PATTERN = /^icd_[A-Za-z0-9_-]{1,196}$/;

export const newId = (prefix: "ws" | "mem" | "key" | "prg" | "aff" | "lnk" | "cnv" | "whd" | "pcd" | "po") => `${prefix}_${random(12)}`;
export const newClickId = () => `icd_${random(16)}`;
export const newApiKey = () => `ik_${random(24)}`;
export const newProgramKey = () => `pk_${random(9)}`;
/** Short enough to read aloud; lowercase letters and digits so it survives any URL handling. */
export function newLinkCode(length = 8): string {
  const alphabet = "abcdefghijkmnpqrstuvwxyz23456789";
  const bytes = randomBytes(length);
  let code = "";
  for (const byte of bytes) code += alphabet[byte % alphabet.length];
  return code;
}
export const newToken = (bytes = 24) => random(bytes);
