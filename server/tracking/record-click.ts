import { newClickId } from "../domain/ids.js";
import type { Affiliate, Click, Link, Program } from "../domain/types.js";
import { ipHash, visitorFingerprint } from "../domain/visitor.js";
import type { Store } from "../store/store.js";
import { DAY_MS } from "../domain/calendar.js";

export const REPEAT_CLICK_WINDOW_MS = 30 * 60 * 1000;

export interface ClickRequest {
  program: Program;
  affiliate: Affiliate;
  link: Link | null;
  ip: string;
  userAgent: string | null;
  landingUrl: string | null;
  referrer: string | null;
  country: string | null;
}

export const RATE_WINDOW_MS = 60_000;

/**
 * The bucket an address (its ipHash) counts its clicks and leads in this minute (ICODRIP_CLICK_RATE_LIMIT), per
 * workspace: it lives beside the workspace's clicks, so the click's one commit can count it.
 */
export function rateBucket(hashOfIp: string, now: number): string {
  return `click:${Math.floor(now / RATE_WINDOW_MS)}:${hashOfIp}`;
}

/**
 * Records a click, or answers this visitor's click for the same affiliate in the last 30 minutes;
 * null when the address is past `rateLimit` clicks this minute (nothing is recorded then).
 */
export async function recordClick(store: Store, secret: string, r: ClickRequest, now: number, rateLimit: number): Promise<Click | null> {
  const hash = ipHash(r.ip, secret, now);
  const click: Click = {
    id: newClickId(now),
    workspaceId: r.program.workspaceId,
    programId: r.program.id,
    affiliateId: r.affiliate.id,
    linkId: r.link?.id ?? null,
    createdAt: now,
    expiresAt: now + r.program.cookieDays * DAY_MS,
    landingUrl: r.landingUrl?.slice(0, 2000) ?? null,
    referrer: r.referrer?.slice(0, 2000) ?? null,
    country: r.country,
    userAgent: r.userAgent?.slice(0, 500) ?? null,
    ipHash: hash,
  };
  const fingerprint = visitorFingerprint({ programId: r.program.id, affiliateId: r.affiliate.id, ipHash: hash, userAgent: r.userAgent });
  const rate = { bucket: rateBucket(hash, now), windowMs: RATE_WINDOW_MS, limit: rateLimit };
  return (await store.recordClick(click, fingerprint, REPEAT_CLICK_WINDOW_MS, rate))?.click ?? null;
}

/**
 * Which referral a visitor keeps when a new one arrives: last click replaces, first click keeps an
 * earlier one of the same program while it is inside its cookie window.
 */
export function keptReferral(program: Program, incoming: Click, existing: Click | null, now: number): Click {
  if (program.attribution !== "first" || !existing) return incoming;
  const usable = existing.programId === program.id && existing.expiresAt > now;
  return usable ? existing : incoming;
}
