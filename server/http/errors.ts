import type { ErrorRequestHandler, RequestHandler, Response } from "express";

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

interface BodyParserError {
  type?: string;
  status?: number;
  limit?: number;
}

export function errorHandler(log: { error(obj: object, msg: string): void }): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (res.headersSent) return;
    if (err instanceof ApiError) return sendError(res, err);
    const parserError = err as BodyParserError;
    if (parserError.type === "entity.too.large") {
      return sendError(res, new ApiError(413, "payload_too_large", `The request body is larger than ${parserError.limit} bytes.`));
    }
    if (parserError.type === "entity.parse.failed") {
      return sendError(res, new ApiError(400, "invalid_json", "The request body is not valid JSON."));
    }
    if (typeof (err as { code?: unknown }).code === "string" && (err as { code: string }).code === "conflict") {
      const conflict = err as { message: string; field?: string };
      return sendError(res, new ApiError(409, "conflict", conflict.message, conflict.field ? { [conflict.field]: conflict.message } : undefined));
    }
    if ((err as { code?: string }).code === "invalid_cursor") {
      return sendError(res, new ApiError(400, "invalid_request", (err as Error).message, { cursor: (err as Error).message }));
    }
    log.error({ err, method: req.method, path: req.path }, "request failed");
    sendError(res, new ApiError(500, "internal_error", "Something went wrong on our side; the error is logged. Try again."));
  };
}
