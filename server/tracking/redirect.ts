import type { IncomingHttpHeaders } from "node:http";
import type { Program, RecordStatus } from "../domain/types.js";
import type { AppContext } from "../http/context.js";
import type { Resolved } from "./link-cache.js";
import { recordClick } from "./record-click.js";

// What a tracking link (GET /r/:code) answers, written once for its two doors: the Express route
// (every case, dead links included) and the shortcut in front of Express (http/shortcut.ts)
// that answers the common case without the framework.

/** A query string as parsed for the request: repeated keys give arrays, which are ignored. */
export type Query = Record<string, unknown>;

export interface Visit {
  ip: string;
  userAgent: string | null;
  referrer: string | null;
  country: string | null;
}

/** Whether a program or link records clicks: records stored before status existed are active. */
export const tracking = (record: { status?: RecordStatus }): boolean => record.status !== "disabled";

/**
 * Where the visitor goes, and the click recorded on the way (its id, expiry and the affiliate's
 * code ride in the URL for the snippet). A disabled program's, affiliate's or link's visitors
 * still reach the shop (the merchant's site must never break), just without a click or a
 * referral; so do an address's clicks past its rate limit.
 */
export async function trackedLocation(ctx: AppContext, resolved: Resolved & { program: Program }, path: string | null, query: Query, visit: Visit): Promise<{ location: string; tracked: boolean }> {
  const { link, program, affiliate } = resolved;
  const target = landingUrl(program, path ?? link.path, query);
  const click =
    affiliate && affiliate.status === "active" && tracking(program) && tracking(link)
      ? await recordClick(ctx.store, ctx.config.secret, { ...visit, program, affiliate, link, landingUrl: target.toString() }, ctx.now(), ctx.config.clickRateLimit)
      : null;
  if (!click || !affiliate) return { location: target.toString(), tracked: false };
  target.searchParams.set("icd", click.id);
  target.searchParams.set("icx", String(Math.floor(click.expiresAt / 1000)));
  target.searchParams.set("ica", affiliate.code);
  return { location: target.toString(), tracked: true };
}

/** The headers a tracked redirect carries besides Location: never cached, the shop sees the referrer. */
export const TRACKED_HEADERS = { "Cache-Control": "no-store", "Referrer-Policy": "no-referrer-when-downgrade" } as const;

/** The program's site plus a path; never another host, whatever the path says. */
function landingUrl(program: Program, path: string | null, query: Query): URL {
  const site = new URL(program.url);
  const target = new URL(site.origin);
  if (path && path.startsWith("/") && !path.startsWith("//")) {
    // A backslash counts as a slash in an https URL, so "/\\" names an empty host and the parser
    // throws: such a path is dropped like one naming another host. (URL.parse, which answers null
    // instead, came in Node 20.18; engines allows 20.12.)
    const candidate = parsedUrl(path, site.origin);
    if (candidate?.origin === site.origin) {
      target.pathname = candidate.pathname;
      target.search = candidate.search;
    }
  }
  for (const [key, value] of Object.entries(query)) {
    if (typeof value === "string" && key !== "icd" && key !== "icx" && key !== "ica") target.searchParams.set(key, value);
  }
  return target;
}

function parsedUrl(path: string, base: string): URL | null {
  try {
    return new URL(path, base);
  } catch {
    return null;
  }
}

/** The visitor as the request shows them; `ip` as the trust-proxy setting resolves it. */
export function visitOf(headers: IncomingHttpHeaders, ip: string): Visit {
  return { ip, userAgent: headers["user-agent"] ?? null, referrer: one(headers.referer), country: countryFrom(headers) };
}

function countryFrom(headers: IncomingHttpHeaders): string | null {
  const value = one(headers["cf-ipcountry"]) ?? one(headers["x-vercel-ip-country"]) ?? one(headers["x-country-code"]);
  return value && /^[A-Za-z]{2}$/.test(value) ? value.toUpperCase() : null;
}

const one = (value: string | string[] | undefined): string | null => (Array.isArray(value) ? (value[0] ?? null) : (value ?? null));
