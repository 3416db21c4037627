import { z } from "zod";
import { describe } from "./normalize-fields.js";

// The outer event is the same in every API version since long before the oldest Icodrip
// reads, so one schema checks it; the object inside varies by version and is read field by
// field elsewhere.
const EnvelopeSchema = z.object({
  id: z.string().min(1),
  object: z.literal("event").optional(),
  type: z.string().min(1),
  account: z.string().min(1).nullish(),
  livemode: z.boolean(),
  api_version: z.string().nullish(),
  created: z.number().int().nonnegative(),
  data: z.object({ object: z.record(z.string(), z.unknown()) }),
});

export type Envelope = z.infer<typeof EnvelopeSchema>;

export type EnvelopeResult = { ok: true; envelope: Envelope } | { ok: false; message: string };

export function parseEnvelope(body: unknown): EnvelopeResult {
  const parsed = EnvelopeSchema.safeParse(body);
  if (parsed.success) return { ok: true, envelope: parsed.data };
  // A failed parse always carries at least one issue.
  const issue = parsed.error.issues[0];
  const path = issue.path.length > 0 ? issue.path.join(".") : "the body";
  const expected = expectation(issue);
  const id = idOf(body);
  return {
    ok: false,
    message: `${id ? `Event ${id}` : "The body"} is not a Stripe event Icodrip can read: ${path} should be ${expected} but is ${describe(valueAt(body, issue.path))}. Check that nothing between Stripe and Icodrip rewrites webhook bodies.`,
  };
}

const NAMES: Record<string, string> = { string: "a string", boolean: "true or false", number: "a number", int: "a whole number", object: "an object", record: "an object" };

function expectation(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type":
      return NAMES[issue.expected] ?? issue.expected;
    case "too_small":
      return issue.origin === "string" ? "a non-empty string" : `at least ${String(issue.minimum)}`;
    case "invalid_value":
      return issue.values.map((v) => JSON.stringify(v)).join(" or ");
    default:
      return issue.message;
  }
}

function valueAt(body: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let v = body;
  for (const key of path) v = typeof v === "object" && v !== null ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  return v;
}

const idOf = (body: unknown) => {
  const id = valueAt(body, ["id"]);
  return typeof id === "string" && id !== "" ? id : null;
};
