import { IncomingMessage, ServerResponse, type RequestListener } from "node:http";
import { Socket } from "node:net";
import { parse as parseQuery } from "node:querystring";
import type { Express } from "express";
import helmet from "helmet";
import proxyAddr from "proxy-addr";
import { HELMET_OPTIONS } from "../http/app.js";
import type { AppContext } from "../http/context.js";
import { TRACKED_HEADERS, trackedLocation, visitOf } from "./redirect.js";

// A viral link brings thousands of clicks a second to one code, and for each of them Express ran
// its router, helmet and res.redirect (content negotiation, a body in two formats, encodeurl)
// around work that is a cache lookup, one store commit and a 302. This listener sits in front of
// the app and answers the common case itself: GET /r/CODE (no path after the code) of a link the
// cache resolves. Everything else, dead links and errors included, goes on to Express, which
// answers it exactly as before; the two share trackedLocation (tracking/redirect.ts), so a
// redirect means the same whichever door it came through.

const PLAIN_LINK = /^\/r\/([a-z0-9]{4,40})\/?(?:\?(.*))?$/;

export function trackingShortcut(ctx: AppContext, app: Express): RequestListener {
  const headers = securityHeaders();
  // The trust-proxy setting compiled as Express compiled it, so req.ip means the same here.
  const trust = app.get("trust proxy fn") as (address: string, hop: number) => boolean;
  return (req, res) => {
    const match = req.method === "GET" ? PLAIN_LINK.exec(req.url ?? "") : null;
    if (!match) {
      app(req, res);
      return;
    }
    answer(ctx, req, res, match.at(1) ?? "", match.at(2) ?? "", headers, trust).then(
      (answered) => {
        if (!answered) app(req, res);
      },
      // A store error: Express asks again and answers it (503 with what to do) the usual way. A
      // click that did land is this visitor's repeat click then, so nothing counts twice.
      () => {
        app(req, res);
      },
    );
  };
}

async function answer(
  ctx: AppContext,
  req: IncomingMessage,
  res: ServerResponse,
  code: string,
  search: string,
  headers: [string, string][],
  trust: (address: string, hop: number) => boolean,
): Promise<boolean> {
  const resolved = await ctx.links.resolve(code, ctx.now());
  if (!resolved?.program) return false;
  const visit = visitOf(req.headers, proxyAddr(req, trust));
  // node:querystring is what Express's "simple" query parser uses: repeated keys give arrays.
  const { location, tracked } = await trackedLocation(ctx, { ...resolved, program: resolved.program }, null, parseQuery(search), visit);
  for (const [name, value] of headers) res.setHeader(name, value);
  if (tracked) for (const [name, value] of Object.entries(TRACKED_HEADERS)) res.setHeader(name, value);
  res.writeHead(302, { Location: location, "Content-Length": "0" }).end();
  return true;
}

/**
 * The headers helmet sets on every answer of the app, read off helmet itself with the app's
 * options: a redirect from the shortcut carries the same ones and stays in step with app.ts.
 */
function securityHeaders(): [string, string][] {
  const req = new IncomingMessage(new Socket());
  const res = new ServerResponse(req);
  helmet(HELMET_OPTIONS)(req, res, () => undefined);
  return Object.entries(res.getHeaders()).map(([name, value]) => [name, Array.isArray(value) ? value.join(", ") : String(value)]);
}
