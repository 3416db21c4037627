import type { FormObject, FormValue } from "./form.js";
import { v1Error } from "./http.js";

// Readers of a request's parameters: Stripe refuses a malformed parameter with a 400 that
// names it, and so do these.

export function allowOnly(params: FormObject, allowed: string[]): void {
  for (const name of Object.keys(params)) {
    if (name !== "expand" && !allowed.includes(name)) {
      throw v1Error(400, { code: "parameter_unknown", param: name, message: `Received unknown parameter: ${name}` });
    }
  }
}

// A refused value as the message shows it: nested hashes and lists as JSON, not "[object Object]".
const shown = (value: FormValue): string => (typeof value === "string" ? value : JSON.stringify(value));

export function required(params: FormObject, name: string): FormValue {
  const value = params[name];
  if (value === undefined || value === "") {
    throw v1Error(400, { code: "parameter_missing", param: name, message: `Missing required param: ${name}.` });
  }
  return value;
}

export function str(params: FormObject, name: string): string | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw v1Error(400, { code: "parameter_invalid_string", param: name, message: `Invalid string: ${name} must be a string.` });
  return value;
}

export function bool(params: FormObject, name: string): boolean | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (value === "true" || value === "false") return value === "true";
  throw v1Error(400, { param: name, message: `Invalid boolean: ${shown(value)}` });
}

export function integer(params: FormObject, name: string, min: number, max: number): number | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  const n = typeof value === "string" && /^-?\d+$/.test(value) ? Number(value) : NaN;
  if (Number.isNaN(n)) throw v1Error(400, { code: "parameter_invalid_integer", param: name, message: `Invalid integer: ${shown(value)}` });
  if (n < min || n > max) throw v1Error(400, { param: name, message: `This value must be between ${min} and ${max} (inclusive).` });
  return n;
}

export function url(params: FormObject, name: string): string | undefined {
  const value = str(params, name);
  if (value === undefined) return undefined;
  let ok: boolean;
  try {
    ok = ["http:", "https:"].includes(new URL(value).protocol);
  } catch {
    ok = false;
  }
  if (!ok) throw v1Error(400, { code: "url_invalid", param: name, message: "Not a valid URL" });
  return value;
}

/** A Stripe API version: 2024-06-20, 2025-03-31.basil. */
export const API_VERSION = /^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$/;

const EVENT_NAME = /^(\*|[a-z0-9_]+(\.[a-z0-9_]+)+)$/;

export function events(params: FormObject, name: string): string[] | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list) || list.length === 0) {
    throw v1Error(400, { param: name, message: `Invalid array: ${name} must be a non-empty array of event types.` });
  }
  return list.map((e, i) => {
    if (typeof e !== "string" || !EVENT_NAME.test(e)) {
      throw v1Error(400, { param: `${name}[${i}]`, message: `Invalid ${name}[${i}]: must be an event type such as charge.succeeded, or *.` });
    }
    return e;
  });
}

/**
 * Merges a metadata hash the way Stripe does: an empty value deletes the key. Stripe's limits
 * are enforced because Icodrip writes its own keys next to the merchant's: 50 keys, names up to
 * 40 characters, values up to 500.
 */
export function metadata(params: FormObject, current: Record<string, string> = {}): Record<string, string> | undefined {
  const value = params.metadata;
  if (value === undefined) return undefined;
  if (value === "") return {};
  if (typeof value === "string" || Array.isArray(value)) {
    throw v1Error(400, { param: "metadata", message: "Invalid object: metadata must be a hash of string keys and values." });
  }
  // A Map, as keys come and go by name; it keeps insertion order as the object did.
  const merged = new Map(Object.entries(current));
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== "string") throw v1Error(400, { param: `metadata[${k}]`, message: `Invalid string: metadata[${k}] must be a string.` });
    if (k.length > 40) throw v1Error(400, { param: `metadata[${k}]`, message: `Invalid metadata: keys can be at most 40 characters long (${k}).` });
    if (v.length > 500) throw v1Error(400, { param: `metadata[${k}]`, message: `Invalid metadata: values can be at most 500 characters long (${k}).` });
    if (v === "") merged.delete(k);
    else merged.set(k, v);
  }
  if (merged.size > 50) throw v1Error(400, { param: "metadata", message: "Invalid metadata: an object can have at most 50 keys." });
  return Object.fromEntries(merged);
}

export function apiVersionParam(params: FormObject): string | undefined {
  const value = str(params, "api_version");
  if (value !== undefined && !API_VERSION.test(value)) {
    throw v1Error(400, { param: "api_version", message: `Invalid api_version: ${value}` });
  }
  return value;
}

