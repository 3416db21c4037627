// The Express entry point: finds the visitor's referral once per request and makes it visible both
// on `req` and to anything the request goes on to call (see context.ts).

import { runWithReferral } from "./context.js";
import { cookieValues } from "./cookies.js";
import { parseReferral } from "./parse-referral.js";
import type { Referral } from "./referral-format.js";

// Gives Express users a typed `req.referral`. It names only the global `Express` namespace that
// @types/express merges into its Request, never the `express` module, so a project without
// express's types (or without express) type-checks all the same.
declare global {
  namespace Express {
    interface Request {
      // Undefined when `referral()` did not run for this request; null when it found nothing usable.
      referral?: Referral | null;
    }
  }
}

// The little of a request the middleware reads, declared here rather than taken from
// @types/express so that a merchant needs no express types: Express's Request and Node's
// IncomingMessage both fit.
export interface ReferralRequest {
  headers: { cookie?: string | undefined; [name: string]: string | string[] | undefined };
  referral?: Referral | null;
}

// Connect-style, so `app.use(referral())` accepts it; the response is never touched.
export type ReferralMiddleware = (req: ReferralRequest, res: unknown, next: () => void) => void;

export interface ReferralOptions {
  cookie?: string;
  // `false` makes the cookie the only source, for sites with no single-page app forwarding it.
  header?: string | false;
}

export const REFERRAL_COOKIE = "icodrip_ref";
export const REFERRAL_HEADER = "x-icodrip-referral";

// The cookie is consulted first: the snippet maintains it for the program's cookie window, while
// the header is only a copy an app forwards where the cookie cannot travel (an API on another
// origin). A cookie that does not parse falls through to the header instead of hiding it.
export function referral(options: ReferralOptions = {}): ReferralMiddleware {
  const cookieName = options.cookie ?? REFERRAL_COOKIE;
  const headerName = options.header === false ? null : (options.header ?? REFERRAL_HEADER).toLowerCase();
  return (req, _res, next) => {
    const found = fromCookie(req.headers.cookie, cookieName) ?? (headerName ? fromHeader(req.headers[headerName]) : null);
    req.referral = found;
    runWithReferral(found, () => next());
  };
}

// Several cookies may share the name (one per domain or path); a foreign one must not mask ours.
function fromCookie(header: string | undefined, name: string): Referral | null {
  for (const value of cookieValues(header, name)) {
    const parsed = parseReferral(value);
    if (parsed) return parsed;
  }
  return null;
}

// Node joins repeated custom headers with ", ", which then fails to parse: ambiguity yields nothing.
function fromHeader(value: string | string[] | undefined): Referral | null {
  return typeof value === "string" ? parseReferral(value.trim()) : null;
}
