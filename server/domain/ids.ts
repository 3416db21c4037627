import { randomFillSync } from "node:crypto";

// Identifiers are random and url-safe. A click id is what travels through Stripe as
// client_reference_id: `icd_` plus 22 characters of A-Za-z0-9_- (the time it was made, then 88
// random bits), far inside Stripe's limit of 200 such characters.

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

/**
 * A record's id: the time it was made (as in a click id, so ids sort by time and the embedded
 * store adds the busiest rows, conversions and delivery rows, at the end of its indexes), then
 * 56 random bits, ample for the ids one workspace makes in one millisecond.
 */
export const newId = (prefix: "ws" | "mem" | "key" | "prg" | "aff" | "lnk" | "cnv" | "whd" | "pcd" | "po", now = Date.now()) => `${prefix}_${sortableTime(now)}${random(7)}`;
/**
 * A click id for a click made at `now`: its first 7 characters are the time in milliseconds in
 * an alphabet sorted as bytes sort, so ids sort by time, then 88 random bits. Clicks are the
 * store's most numerous rows, and ids that grow with time are added at the end of the embedded
 * store's indexes instead of all over them: a batch of clicks dirties (and writes to the WAL) a
 * few pages rather than a page or more per click. The time it shows is no secret: the link's
 * redirect already shows when the click's cookie expires.
 */
export const newClickId = (now: number): string => `icd_${sortableTime(now)}${random(11)}`;

/** Epoch milliseconds as 7 characters that sort as the times do (good until the year 2109). */
function sortableTime(now: number): string {
  let time = "";
  for (let rest = Math.max(0, Math.floor(now)), i = 0; i < 7; i++, rest = Math.floor(rest / 64)) time = SORTED[rest % 64] + time;
  return time;
}
// The 64 characters of base64url in byte order: "-" < digits < upper case < "_" < lower case.
const SORTED = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
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
