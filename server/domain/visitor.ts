import { createHash } from "node:crypto";

// Privacy: a raw IP address is never stored. It is hashed with a salt that changes every UTC day,
// so one day's hashes cannot be joined with another's, and without the secret none can be reversed.

export function ipHash(ip: string, secret: string, now: number): string {
  const day = new Date(now).toISOString().slice(0, 10);
  return createHash("sha256").update(`${secret}|${day}|${ip}`).digest("base64url").slice(0, 22);
}

/** The same visitor clicking the same affiliate: same day's IP hash and the same browser. */
export function visitorFingerprint(parts: { programId: string; affiliateId: string; ipHash: string; userAgent: string | null }): string {
  return createHash("sha256")
    .update([parts.programId, parts.affiliateId, parts.ipHash, parts.userAgent ?? ""].join("|"))
    .digest("base64url")
    .slice(0, 22);
}
