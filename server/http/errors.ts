import { STATUS_CODES } from "node:http";
import type { ErrorRequestHandler, Request, RequestHandler, Response } from "express";
import Stripe from "stripe";
import { SealError } from "../crypto/seal.js";
import { InvalidCursorError } from "../store/cursor.js";
import { CommitOutcomeUnknown, StoreConflict } from "../store/store.js";
import { StoreConflictError } from "../store/unit.js";

// Every error leaves as {"error":{"code","message"}} with a fitting status: the code is for
// programs to switch on, the message for a person to act on.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields?: Record<string, string>,
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new ApiError(404, "not_found", `${what} was not found in this workspace.`);

export function sendError(res: Response, error: ApiError): void {
  const body: { code: string; message: string; fields?: Record<string, string> } = { code: error.code, message: error.message };
  if (error.fields) body.fields = error.fields;
  res.status(error.status).json({ error: body });
}

export const unknownRoute: RequestHandler = (req, _res, next) => {
  next(new ApiError(404, "not_found", `There is no ${req.method} ${req.path}; see the README for the API's routes.`));
};

// The one place where errors become HTTP answers. Icodrip's own kinds are recognised by class
// (see server/domain/errors.ts); anything else carrying a 4xx status (body-parser, the router's
// percent-decoding, zlib) is the client's mistake and keeps its status with a sentence of ours;
// everything else is our bug: a 500 with a generic message, and the stack goes to the log only.

type Log = { error(obj: object, msg: string): void; warn(obj: object, msg: string): void };

interface Answer {
  error: ApiError;
  /** what the log gets: nothing for a client's mistake, one line for a known fault, the stack for a bug */
  log: "none" | "warn" | "error";
}

export function answerFor(err: unknown, req: Request): Answer {
  if (err instanceof ApiError) return { error: err, log: "none" };
  if (err instanceof StoreConflict) {
    return { error: new ApiError(409, "conflict", err.message, { [err.field]: err.message }), log: "none" };
  }
  if (err instanceof StoreConflictError) return { error: new ApiError(409, "conflict", err.message), log: "warn" };
  if (err instanceof InvalidCursorError) {
    return { error: new ApiError(400, "invalid_request", err.message, { cursor: err.message }), log: "none" };
  }
  if (err instanceof Stripe.errors.StripeError) return { error: stripeFailure(err), log: "warn" };
  if (err instanceof CommitOutcomeUnknown) {
    return { error: new ApiError(503, err.code, `${err.message} Read the record again before retrying the request.`), log: "warn" };
  }
  if (err instanceof SealError) return { error: new ApiError(500, err.code, err.message), log: "warn" };
  const status = clientStatus(err);
  if (status !== null) return { error: requestError(err as ClientError, status, req), log: "none" };
  return { error: new ApiError(500, "internal_error", "Something went wrong on our side; the error is logged. Try again."), log: "error" };
}

export function errorHandler(log: Log): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    if (res.headersSent) return;
    const { error, log: level } = answerFor(err, req);
    const where = { method: req.method, path: safePath(req) };
    if (level === "error") log.error({ err, ...where }, "request failed");
    else if (level === "warn") log.warn({ ...where, status: error.status, code: error.code, reason: error.message }, "request refused");
    sendError(res, error);
  };
}

function stripeFailure(err: InstanceType<typeof Stripe.errors.StripeError>): ApiError {
  const what = `${err.type}${err.statusCode ? `, HTTP ${err.statusCode}` : ""}`;
  if (err instanceof Stripe.errors.StripeConnectionError) {
    return new ApiError(502, "stripe_unavailable", `Icodrip could not reach Stripe (${what}); check this server's outbound network and try again in a minute.`);
  }
  if (err instanceof Stripe.errors.StripeAuthenticationError || err instanceof Stripe.errors.StripePermissionError) {
    return new ApiError(502, "stripe_unavailable", `Stripe refused Icodrip's credentials (${what}); reconnect Stripe on the Integrations page, or check STRIPE_SECRET_KEY.`);
  }
  return new ApiError(502, "stripe_unavailable", `Stripe did not complete the request (${what}); try again in a minute, and check status.stripe.com if it keeps failing.`);
}

interface ClientError {
  type?: unknown;
  code?: unknown;
  limit?: unknown;
  charset?: unknown;
}

/** The 4xx status an error carries (http-errors' `status`/`statusCode`), or null. */
function clientStatus(err: unknown): number | null {
  if (typeof err !== "object" || err === null) return null;
  const { status, statusCode } = err as { status?: unknown; statusCode?: unknown };
  const value = typeof status === "number" ? status : statusCode;
  return typeof value === "number" && Number.isInteger(value) && value >= 400 && value < 500 ? value : null;
}

/** A header value safe to repeat in a message: a short token, or nothing. */
const token = (value: unknown) => (typeof value === "string" && /^[A-Za-z0-9._:-]{1,40}$/.test(value) ? value : null);

function requestError(err: ClientError, status: number, req: Request): ApiError {
  switch (err.type) {
    case "entity.too.large":
      return new ApiError(413, "payload_too_large", `The request body is larger than ${String(err.limit)} bytes.`);
    case "entity.parse.failed":
      return new ApiError(400, "invalid_json", "The request body is not valid JSON.");
    case "charset.unsupported": {
      const charset = token(err.charset);
      return new ApiError(415, "unsupported_charset", `The body's charset${charset ? ` ${charset}` : ""} is not supported; send it as UTF-8 (Content-Type: application/json; charset=utf-8).`);
    }
    case "encoding.unsupported": {
      const encoding = token(req.get("content-encoding"));
      return new ApiError(415, "unsupported_encoding", `The Content-Encoding${encoding ? ` ${encoding}` : ""} is not supported; send the body uncompressed, or as gzip, deflate or br.`);
    }
  }
  if (err instanceof URIError) {
    return new ApiError(400, "invalid_path", "The URL has malformed percent-encoding (a % must be followed by two hex digits forming UTF-8); encode each part with encodeURIComponent.");
  }
  if (typeof err.code === "string" && err.code.startsWith("Z_")) {
    const encoding = token(req.get("content-encoding"));
    return new ApiError(400, "invalid_encoding", `The body is not valid ${encoding ?? "compressed"} data although its Content-Encoding says so; send it uncompressed or compress it correctly.`);
  }
  const reason = STATUS_CODES[status] ?? "Bad Request";
  const code = reason.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_|_$/g, "") || "bad_request";
  return new ApiError(status, code, `The request could not be handled (${status} ${reason}); check it against the API's routes in the README.`);
}

/** The path for the log, even when it is not valid percent-encoding (req.path never throws, but stays short). */
function safePath(req: Request): string {
  return req.path.length > 200 ? `${req.path.slice(0, 200)}…` : req.path;
}
