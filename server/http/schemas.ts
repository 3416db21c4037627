import { z } from "zod";

const knownCurrencies = new Set(Intl.supportedValuesOf("currency").map((c) => c.toLowerCase()));
const isKnownCurrency = (code: string) => knownCurrencies.has(code);

// Schemas for everything the JSON API accepts. Amounts are integers in minor units; currencies
// lowercase ISO codes.

export const currency = z
  .string()
  .regex(/^[a-z]{3}$/, "should be a lowercase ISO 4217 code such as usd")
  .refine(isKnownCurrency, "should be a currency Stripe supports, such as usd or eur");

const siteUrl = z
  .string()
  .trim()
  .refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), "should be the site's http(s) URL, e.g. https://shop.example.com")
  .transform((v) => new URL(v).origin);

export const commissionRule = z.discriminatedUnion(
  "type",
  [
    z.object({
      type: z.literal("percent"),
      percent: z.number().gt(0, "should be more than 0").max(100, "should be at most 100").multipleOf(0.0001, "should have at most 4 decimals"),
    }),
    z.object({
      type: z.literal("fixed"),
      amount: z.number().int("should be a whole number of minor units (cents)").positive("should be more than 0"),
      currency,
    }),
  ],
  { error: 'should be {"type":"percent","percent":30} or {"type":"fixed","amount":500,"currency":"usd"}' },
);

export const recurringRule = z.discriminatedUnion(
  "type",
  [
    z.object({ type: z.literal("once") }),
    z.object({ type: z.literal("months"), months: z.number().int("should be a whole number").min(1).max(120) }),
    z.object({ type: z.literal("lifetime") }),
  ],
  { error: 'should be {"type":"once"}, {"type":"months","months":12} or {"type":"lifetime"}' },
);

export const recordStatus = z.enum(["active", "disabled"], { error: "should be active or disabled" });

// A program's settings without defaults: PATCH must change only the fields it is sent, so the
// defaults belong to creation alone (a partial of a schema with defaults would fill them in and
// silently reset every field left out).
const programFields = {
  name: z.string().trim().min(1, "should not be empty").max(120),
  url: siteUrl,
  cookieDays: z.number().int("should be a whole number of days").min(1, "should be 1 to 730 days").max(730, "should be 1 to 730 days"),
  attribution: z.enum(["last", "first"], { error: "should be last or first" }),
  holdDays: z.number().int("should be a whole number of days").min(0, "should be 0 to 365 days").max(365, "should be 0 to 365 days"),
  commission: commissionRule,
  recurring: recurringRule,
  allowSelfReferral: z.boolean(),
  join: z.enum(["invite", "approval", "open"], { error: "should be invite, approval or open" }),
  minPayout: z.number().int("should be a whole number of minor units (cents)").min(0, "should be 0 or more").max(100_000_000),
  // disabled: its tracking links still redirect to the site but record no click and set no referral.
  status: recordStatus,
};

export const programCreate = z.strictObject({
  ...programFields,
  cookieDays: programFields.cookieDays.default(60),
  attribution: programFields.attribution.default("last"),
  holdDays: programFields.holdDays.default(30),
  recurring: programFields.recurring.default({ type: "once" }),
  allowSelfReferral: programFields.allowSelfReferral.default(false),
  join: programFields.join.default("invite"),
  minPayout: programFields.minPayout.default(0),
  status: programFields.status.default("active"),
});

export const programUpdate = z.strictObject(programFields).partial();

export const affiliateCode = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{1,39}$/, "should be 2-40 letters, digits, '-' or '_' (it appears in URLs)");

export const affiliateCreate = z.strictObject({
  programId: z.string().min(1, "should be a program id"),
  name: z.string().trim().min(1, "should not be empty").max(120),
  email: z.email("should be an email address").transform((v) => v.trim().toLowerCase()),
  code: affiliateCode.optional(),
});

export const affiliateUpdate = z.strictObject({
  name: z.string().trim().min(1).max(120).optional(),
  email: z.email("should be an email address").transform((v) => v.trim().toLowerCase()).optional(),
  code: affiliateCode.optional(),
  // pending → active approves an affiliate who joined; disabled stops their links and portal sign-in.
  status: z.enum(["active", "disabled"], { error: "should be active or disabled" }).optional(),
});

/** Where an affiliate is paid: a PayPal or Wise account's email, or bank details as text. */
export const payoutMethod = z.discriminatedUnion(
  "type",
  [
    z.strictObject({ type: z.enum(["paypal", "wise"]), email: z.email("should be the account's email address").transform((v) => v.trim().toLowerCase()) }),
    z.strictObject({ type: z.literal("bank"), details: z.string().trim().min(5, "should hold the account holder, IBAN or account number and bank").max(1000) }),
  ],
  { error: 'should be {"type":"paypal"|"wise","email":"…"} or {"type":"bank","details":"…"}' },
);

const linkPath = z
  .string()
  .regex(/^\/[^\s\\]*$/, "should be a path on the program's site starting with /, e.g. /pricing")
  .refine((p) => !p.startsWith("//"), "should be a path on the program's site, not another host")
  .max(500);

export const linkCreate = z.strictObject({
  affiliateId: z.string().min(1, "should be an affiliate id"),
  path: linkPath.optional(),
});

/**
 * A link's deep-link path can change (null: the site's home) and it can be disabled (it still
 * redirects, recording no click); its code and affiliate cannot. Left out, a field stays.
 */
export const linkUpdate = z.strictObject({ path: linkPath.nullable().optional(), status: recordStatus.optional() });

/** A Stripe promotion code's text as customers type it (Stripe allows letters and digits). */
export const promoCodeText = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/, "should be the promotion code as customers type it: 1-100 letters or digits ('-' and '_' allowed)");

export const promoCodeCreate = z.strictObject({
  affiliateId: z.string().min(1, "should be an affiliate id"),
  code: promoCodeText,
  stripePromotionCodeId: z
    .string()
    .trim()
    .regex(/^promo_[A-Za-z0-9]{1,250}$/, "should be a Stripe promotion code id (promo_…)")
    .optional(),
});

const time = z.union([
  z.coerce.number().int().nonnegative(),
  z.iso.datetime({ offset: true }).transform((v) => Date.parse(v)),
]);

// The descriptions are what GET /api/v1/openapi.json says of each list's query parameters.
export const listQuery = z.object({
  limit: z.coerce.number().int("should be a whole number").min(1, "should be 1 to 100").max(100, "should be 1 to 100").default(25).describe("Records per page, 1 to 100."),
  cursor: z.string().max(500).optional().describe("The previous page's nextCursor."),
  from: time.optional().describe("Only records created at or after this time (ISO 8601 or epoch milliseconds)."),
  to: time.optional().describe("Only records created at or before this time (ISO 8601 or epoch milliseconds)."),
});

export const idParam = z.object({ id: z.string().min(1).max(100) });
