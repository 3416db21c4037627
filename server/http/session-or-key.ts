import type { Request, RequestHandler } from "express";
import { requireApiKey } from "./auth.js";
import type { AppContext } from "./context.js";
import { ApiError } from "./errors.js";
import { currentMember, sameOrigin } from "./session.js";

// The dashboard's forms (create, change, disable or delete a program, an affiliate, a link; tie or
// untie a promotion code; attribute a conversion) call the JSON API with the member's session cookie. Only those writes
// accept the cookie: the pages read the store themselves, so nothing else needs it, and every
// other route, and every request that carries an Authorization header, is judged by
// requireApiKey exactly as before.
//
// A cookie rides along on any request the browser makes, whoever's page made it, so a
// cookie-authenticated write must carry Icodrip's own origin in its Origin header (the
// integrations routes hold the same line); other sites' forms and scripts are refused.

const DASHBOARD_WRITES: { method: string; path: RegExp }[] = [
  { method: "POST", path: /^\/programs$/ },
  { method: "POST", path: /^\/affiliates$/ },
  { method: "POST", path: /^\/links$/ },
  { method: "POST", path: /^\/promo-codes$/ },
  { method: "DELETE", path: /^\/promo-codes\/[^/]+$/ },
  { method: "POST", path: /^\/conversions\/[^/]+\/attribute$/ },
  // The record actions (Edit, Disable/Enable, Approve/Reject, Delete) on the Programs and
  // Affiliates tabs and the per-affiliate page (server/dashboard/record-actions.ts).
  { method: "PATCH", path: /^\/(programs|affiliates|links)\/[^/]+$/ },
  { method: "DELETE", path: /^\/(programs|affiliates|links)\/[^/]+$/ },
  // The Affiliates tab's "Portal link" button.
  { method: "POST", path: /^\/affiliates\/[^/]+\/portal-link$/ },
  // The Conversions tab's "Download CSV" link.
  { method: "GET", path: /^\/conversions\/export\.csv$/ },
  // The Payouts tab: create, mark paid, cancel, download the batch files.
  { method: "POST", path: /^\/payouts$/ },
  { method: "POST", path: /^\/payouts\/[^/]+\/(paid|cancel)$/ },
  { method: "GET", path: /^\/payouts(\/export\.csv)?$/ },
  // The Overview's range picker and the open pages' live updates.
  { method: "GET", path: /^\/reports\/(summary|timeseries|affiliates|version)$/ },
];
// The account routes (API keys, password, sessions) take the cookie on every method: the
// Settings > Account page lists keys as well as changing things.
const ACCOUNT_ROUTES: RegExp[] = [/^\/api-keys(\/[^/]+)?$/, /^\/password$/, /^\/sessions$/];

const takesSession = (req: Request) =>
  DASHBOARD_WRITES.some((route) => route.method === req.method && route.path.test(req.path)) || ACCOUNT_ROUTES.some((route) => route.test(req.path));

/** requireApiKey, or for the dashboard's own writes and the account routes the session cookie (changes only from Icodrip's origin). */
export function sessionOrApiKey(ctx: AppContext): RequestHandler {
  const byKey = requireApiKey(ctx);
  return async (req, res, next) => {
    if (req.get("authorization") !== undefined || !takesSession(req)) return byKey(req, res, next);
    const signedIn = await currentMember(ctx, req);
    // Neither key nor session: the same 401 as ever, which tells a program to send its key.
    if (!signedIn) return byKey(req, res, next);
    if (!["GET", "HEAD"].includes(req.method) && !sameOrigin(ctx, req)) {
      throw new ApiError(403, "cross_origin", "A signed-in change must come from Icodrip's own pages; use the dashboard or an API key.");
    }
    res.locals.workspace = signedIn.workspace;
    res.locals.signedIn = signedIn;
    next();
  };
}
