// What both hosts share: the answer a handler gives back, Stripe's v1 error shape, and key
// masking as Stripe prints keys in its messages.

export type Answer = {
  status: number;
  /** A JSON answer (the API hosts). */
  body?: unknown;
  /** An HTML page (the Connect host's account chooser, the hosted payment page, the sandbox's own page). */
  html?: string;
  headers?: Record<string, string>;
};

/** Thrown by a handler to answer with an error; the server turns it into the response. */
export class AnswerError extends Error {
  constructor(readonly answer: Answer) {
    super(`HTTP ${answer.status}`);
  }
}

export type V1ErrorFields = {
  /** Stripe's error `type`; nearly every API refusal is an invalid_request_error, 401/403 included. */
  type?: "invalid_request_error" | "api_error" | "idempotency_error";
  code?: string;
  message: string;
  param?: string;
};

/**
 * The api host's `{"error":{…}}`. Stripe adds doc_url only to errors that carry a code, built
 * from the code with dashes, so the sandbox does the same; fields Stripe omits stay absent.
 */
export function v1Error(status: number, fields: V1ErrorFields): AnswerError {
  const error: Record<string, string> = {};
  if (fields.code) {
    error.code = fields.code;
    error.doc_url = `https://stripe.com/docs/error-codes/${fields.code.replace(/_/g, "-")}`;
  }
  error.message = fields.message;
  if (fields.param) error.param = fields.param;
  error.type = fields.type ?? "invalid_request_error";
  return new AnswerError({ status, body: { error } });
}

/**
 * The Connect host's OAuth errors are flat (`{"error":"invalid_grant","error_description":…}`):
 * stripe-node recognises them by `error` being a string and raises StripeInvalidGrantError etc.
 */
export function oauthError(status: number, error: string, description: string, extra: Record<string, string> = {}): AnswerError {
  return new AnswerError({ status, body: { error, error_description: description, ...extra } });
}

/**
 * A key as Stripe shows it in errors: its prefix (`sk_test_`), stars, and the last few
 * characters (4 in "Invalid API Key provided", 6 in restricted-key permission errors).
 */
export function maskKey(key: string, visible = 4): string {
  const prefix = /^[a-z]{2,3}_(?:test|live)_/.exec(key)?.[0] ?? "";
  const rest = key.slice(prefix.length);
  if (rest.length <= visible) return prefix + "*".repeat(rest.length);
  return prefix + "*".repeat(rest.length - visible) + rest.slice(-visible);
}
