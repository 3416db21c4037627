import { z } from "zod";
import { ApiError } from "./errors.js";

// A missing field reads "is required" rather than zod's "expected string, received undefined".
z.config({ customError: (issue) => (issue.input === undefined ? "is required" : undefined) });

/** Parses a body, query or params with a schema; a bad one is a 400 naming each bad field. */
export function parseRequest<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const fields: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const name = issue.path.length > 0 ? issue.path.join(".") : "body";
    fields[name] ??= issue.message;
  }
  const names = Object.keys(fields);
  throw new ApiError(400, "invalid_request", `The request has ${names.length === 1 ? "a bad field" : "bad fields"}: ${names.join(", ")}.`, fields);
}
