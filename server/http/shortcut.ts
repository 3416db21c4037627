import { IncomingMessage, ServerResponse, type RequestListener } from "node:http";
import { Socket } from "node:net";
import { parse as parseQuery } from "node:querystring";
import type { Express } from "express";
import helmet from "helmet";
import proxyAddr from "proxy-addr";
import { HELMET_OPTIONS } from "./app.js";
import type { AppContext } from "./context.js";
import { TRACKED_HEADERS, trackedLocation, visitOf } from "../tracking/redirect.js";
import { corsGrant, SNIPPET_BODY_LIMIT, snippetClick } from "../tracking/snippet-click.js";
import { answerDelivery, sendDelivery, WEBHOOK_BODY_BYTES } from "../stripe/webhooks/routes.js";

// The hot paths, answered in front of Express. A viral link brings thousands of clicks a second
// to one code, and Stripe thousands of deliveries in a burst; for each, Express ran its router,
// its body parsers, helmet and res.redirect or res.json (content negotiation, an ETag) around work
// that is a cache lookup, one or two store round trips and a short answer. This listener answers
// the common cases itself: GET /r/CODE (no path after the code) of a link the cache resolves, the
// snippet's POST /t/click that succeeds, and a signed POST /webhooks/stripe. Everything else,
// dead links, refusals and errors included, goes on to Express, which answers it exactly as
// before; each path's handler is one function both doors call (tracking/redirect.ts,
// tracking/snippet-click.ts, stripe/webhooks/routes.ts), so an answer means the same whichever
// door it came through.

const PLAIN_LINK = /^\/r\/([a-z0-9]{4,40})\/?(?:\?(.*))?$/;

export function hotPaths(ctx: AppContext, app: Express): RequestListener {
  const headers = securityHeaders();
  // The trust-proxy setting compiled as Express compiled it, so req.ip means the same here.
  const trust = app.get("trust proxy fn") as (address: string, hop: number) => boolean;
  return (req, res) => {
    if (req.method === "POST" && req.url === "/t/click" && plainBody(req, SNIPPET_TYPE, SNIPPET_BODY_LIMIT)) {
      postedClick(ctx, req, res, headers, trust, app);
      return;
    }
    if (req.method === "POST" && req.url === "/webhooks/stripe" && plainBody(req, ANY_TYPE, WEBHOOK_BODY_BYTES)) {
      delivery(ctx, req, res, trust, app);
      return;
    }
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

// What the snippet route's text parser accepts, and what the snippet sends: text/plain (browsers
// add ";charset=UTF-8") or JSON, in UTF-8. The webhook route reads any type as raw bytes.
const SNIPPET_TYPE = /^(?:text\/plain|application\/json)\s*(?:;\s*charset="?utf-8"?\s*)?$/i;
const ANY_TYPE = /(?:)/;

/**
 * A body this door may read itself: of the type, its length declared and within the route's
 * limit, not compressed (the route's parser inflates or refuses an encoding). Any other body
 * goes to Express unread, whose parser answers it (413, 415) as before.
 */
function plainBody(req: IncomingMessage, type: RegExp, limit: number): boolean {
  const length = Number(req.headers["content-length"]);
  return type.test(req.headers["content-type"] ?? "") && length > 0 && length <= limit && !req.headers["transfer-encoding"] && !req.headers["content-encoding"];
}

/**
 * Reads the whole body, then calls `use` with it; the body is also left as req.body on a
 * finished stream, so a request handed on to Express after this is read there as it was here
 * (its body parsers leave a finished request's req.body as it is).
 */
function readBody(req: IncomingMessage, res: ServerResponse, app: Express, use: (body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("error", () => {
    app(req, res);
  });
  req.on("end", () => {
    const body = Buffer.concat(chunks);
    (req as IncomingMessage & { body?: unknown }).body = body;
    use(body);
  });
}

/**
 * The snippet's click (POST /t/click): the body read here, then snippetClick, the route's own
 * handler. Any refusal or error goes on to Express with the body already read (req.body, a
 * finished stream, which the route's parser then leaves as it is), and the route answers it
 * exactly as it answers any other: the work is done again there, and a click that did land is
 * this visitor's repeat click then, so nothing counts twice.
 */
function postedClick(ctx: AppContext, req: IncomingMessage, res: ServerResponse, headers: [string, string][], trust: (address: string, hop: number) => boolean, app: Express): void {
  readBody(req, res, app, (bytes) => {
    // The route's text parser leaves a string.
    const body = bytes.toString("utf8");
    (req as IncomingMessage & { body?: unknown }).body = body;
    snippetClick(ctx, body, { headers: req.headers, ip: proxyAddr(req, trust) }).then(
      ({ answer, grant }) => {
        const json = JSON.stringify(answer);
        for (const [name, value] of headers) res.setHeader(name, value);
        if (grant) for (const [name, value] of Object.entries(corsGrant(grant))) res.setHeader(name, value);
        res.writeHead(200, { Vary: "Origin", "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(json) }).end(json);
      },
      () => {
        app(req, res);
      },
    );
  });
}

/**
 * A delivery to the platform endpoint: read raw (the signature covers its exact bytes) and
 * answered by the route's own function. Only a throw (a bug, not a refusal: those are answers)
 * goes on to Express, whose error handler answers it; the event's id keeps a second try from
 * applying it twice.
 */
function delivery(ctx: AppContext, req: IncomingMessage, res: ServerResponse, trust: (address: string, hop: number) => boolean, app: Express): void {
  readBody(req, res, app, (body) => {
    const signature = req.headers["stripe-signature"];
    answerDelivery(ctx, { rawBody: body, signature: Array.isArray(signature) ? signature[0] : signature, routeAccountId: null, address: proxyAddr(req, trust) }).then(
      (answer) => sendDelivery(res, answer),
      () => {
        app(req, res);
      },
    );
  });
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
