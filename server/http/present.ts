import { z } from "zod";
import { clawbackDue } from "../payouts/plan.js";
import { CONVERSION_STATUSES, type Affiliate, type Click, type Conversion, type Lead, type Link, type Program, type PromoCode, type WebhookDelivery } from "../domain/types.js";
import { conversionStatusAt } from "../domain/status.js";
import type { IntegrationStatus } from "../stripe/connect/status.js";
import { commissionRule, recurringRule } from "./schemas.js";

// What the API shows of each record: no workspace ids, no hashes; times as ISO strings.
//
// Each shape is a zod schema first and each presenter's return type is its z.infer, so what the
// presenters return and what GET /api/v1/openapi.json describes come from one definition. The
// schemas are strict: a test parses real answers with them, so a field that leaks out of a
// presenter (a spread picks up whatever the domain type gains) fails there rather than shipping.
// Field names are the public API that integrations build against: fields may be added, never renamed.

const iso = (ms: number) => new Date(ms).toISOString();

/** A moment as the API writes it: `Date.toISOString()`, always UTC with milliseconds. */
const timestamp = z.iso.datetime();

export const programOut = z.strictObject({
  id: z.string(),
  /** the snippet's data-program */
  key: z.string(),
  name: z.string(),
  url: z.string(),
  cookieDays: z.number().int(),
  attribution: z.enum(["last", "first"]),
  holdDays: z.number().int(),
  commission: commissionRule,
  recurring: recurringRule,
  allowSelfReferral: z.boolean(),
  /** who may join at /join/<key>: invite (the merchant adds affiliates), approval, open */
  join: z.enum(["invite", "approval", "open"]),
  /** the smallest payout per currency, in minor units */
  minPayout: z.number().int(),
  /** disabled: its links redirect to the site without recording clicks */
  status: z.enum(["active", "disabled"]),
  createdAt: timestamp,
});

export const payoutMethodOut = z.union([
  z.strictObject({ type: z.enum(["paypal", "wise"]), email: z.string() }),
  z.strictObject({ type: z.literal("bank"), details: z.string() }),
]);

export const affiliateOut = z.strictObject({
  id: z.string(),
  programId: z.string(),
  name: z.string(),
  email: z.string(),
  code: z.string(),
  status: z.enum(["active", "pending", "disabled"]),
  /** when the affiliate last signed in to the portal; null if never */
  lastSignInAt: timestamp.nullable(),
  /** where the affiliate asked to be paid (set in the portal); null until set */
  payoutMethod: payoutMethodOut.nullable(),
  createdAt: timestamp,
});

export const linkOut = z.strictObject({
  id: z.string(),
  programId: z.string(),
  affiliateId: z.string(),
  code: z.string(),
  path: z.string().nullable(),
  /** PUBLIC_URL/r/<code> */
  url: z.string(),
  /** disabled: it redirects to the site without recording a click */
  status: z.enum(["active", "disabled"]),
  createdAt: timestamp,
});

export const promoCodeOut = z.strictObject({
  id: z.string(),
  programId: z.string(),
  affiliateId: z.string(),
  /** the text customers type, as the merchant wrote it */
  code: z.string(),
  stripePromotionCodeId: z.string().nullable(),
  createdAt: timestamp,
});

export const clickOut = z.strictObject({
  id: z.string(),
  programId: z.string(),
  affiliateId: z.string(),
  linkId: z.string().nullable(),
  createdAt: timestamp,
  expiresAt: timestamp,
  landingUrl: z.string().nullable(),
  referrer: z.string().nullable(),
  country: z.string().nullable(),
  userAgent: z.string().nullable(),
  // Absent on clicks recorded before it existed.
  previousClickId: z.string().nullable().optional(),
});

export const moneyOut = z.strictObject({ amount: z.number().int(), currency: z.string() });

export const conversionOut = z.strictObject({
  id: z.string(),
  programId: z.string().nullable(),
  affiliateId: z.string().nullable(),
  clickId: z.string().nullable(),
  amount: z.number().int(),
  currency: z.string(),
  commission: moneyOut,
  status: z.enum(CONVERSION_STATUSES),
  livemode: z.boolean(),
  matchedBy: z.enum(["client_reference_id", "metadata", "promo_code", "lead_email", "click_email", "manual"]).nullable(),
  matchDetail: z.string().nullable(),
  reason: z.string().nullable(),
  selfReferral: z.boolean(),
  refundedAmount: z.number().int(),
  customerEmail: z.string().nullable(),
  kind: z.enum(["first", "renewal", "one_time"]),
  stripe: z.strictObject({
    accountId: z.string().nullable(),
    eventId: z.string().nullable(),
    checkoutSessionId: z.string().nullable(),
    paymentIntentId: z.string().nullable(),
    invoiceId: z.string().nullable(),
    chargeId: z.string().nullable(),
    customerId: z.string().nullable(),
    subscriptionId: z.string().nullable(),
  }),
  createdAt: timestamp,
  paidAt: timestamp,
  approvesAt: timestamp,
  /** the payout holding its commission; null until it is in one */
  payoutId: z.string().nullable(),
  /** commission paid out for it (minor units of the commission's currency) */
  paidCommission: z.number().int(),
  /** commission lost after it was paid and not yet taken back in a payout */
  clawbackDue: z.number().int(),
  history: z.array(z.strictObject({ at: timestamp, status: z.enum(CONVERSION_STATUSES), payoutId: z.string().optional(), note: z.string().optional() })),
});

export const leadOut = z.strictObject({
  programId: z.string(),
  clickId: z.string(),
  email: z.string(),
  source: z.enum(["browser", "server"]),
  createdAt: timestamp,
});

export const deliveryOut = z.strictObject({
  id: z.string(),
  eventId: z.string().nullable(),
  type: z.string().nullable(),
  accountId: z.string().nullable(),
  livemode: z.boolean().nullable(),
  apiVersion: z.string().nullable(),
  receivedAt: timestamp,
  outcome: z.enum(["processed", "duplicate", "ignored", "unattributed", "rejected", "failed"]),
  message: z.string(),
  /** how many deliveries the row stands for (rejected ones are coalesced per minute) */
  count: z.number().int(),
  /** false when the signature did not verify: the event, account and mode are only what the body claimed */
  verified: z.boolean(),
});

export const integrationStatusOut = z.strictObject({
  status: z.enum(["not_connected", "connected", "needs_repair"]),
  accounts: z.array(
    z.strictObject({
      accountId: z.string(),
      method: z.enum(["oauth", "restricted_key"]),
      livemode: z.boolean(),
      status: z.enum(["connected", "disconnected"]),
      webhook: z.strictObject({ id: z.string(), url: z.string(), enabledEvents: z.array(z.string()), lastEventAt: timestamp.nullable() }).nullable(),
      problem: z.string().nullable(),
    }),
  ),
});

// The integration's status is built in server/stripe/connect/status.ts with its own interface;
// these two lines make the compiler refuse any difference between it and the schema, both ways.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _integrationStatusMatches: Same<IntegrationStatus, z.infer<typeof integrationStatusOut>> = true;

export const apiKeyOut = z.strictObject({ id: z.string(), prefix: z.string(), createdAt: timestamp });
export const apiKeyList = z.strictObject({ data: z.array(apiKeyOut) });
/** The new key is in this answer only; Icodrip keeps its hash. */
export const apiKeyCreated = z.strictObject({ id: z.string(), apiKey: z.string() });
export const signupOut = z.strictObject({ workspace: z.strictObject({ id: z.string(), name: z.string() }), apiKey: z.string() });

/** One page of a list: `nextCursor` goes back as `?cursor=` for the next page; null on the last. */
export const pageOf = <T extends z.ZodType>(item: T) => z.strictObject({ data: z.array(item), nextCursor: z.string().nullable() });

export const errorOut = z.strictObject({
  error: z.strictObject({
    /** for programs to switch on, e.g. invalid_request, unauthorized, not_found, conflict */
    code: z.string(),
    /** a sentence for a person */
    message: z.string(),
    /** each bad field (dotted path) with what is wrong with it */
    fields: z.record(z.string(), z.string()).optional(),
  }),
});

export type ProgramOut = z.infer<typeof programOut>;
export type AffiliateOut = z.infer<typeof affiliateOut>;
export type LinkOut = z.infer<typeof linkOut>;
export type ClickOut = z.infer<typeof clickOut>;
export type PromoCodeOut = z.infer<typeof promoCodeOut>;
export type ConversionOut = z.infer<typeof conversionOut>;
export type LeadOut = z.infer<typeof leadOut>;
export type DeliveryOut = z.infer<typeof deliveryOut>;
export type ApiKeyOut = z.infer<typeof apiKeyOut>;
export type ApiKeyCreatedOut = z.infer<typeof apiKeyCreated>;
export type SignupOut = z.infer<typeof signupOut>;

export function presentProgram(p: Program): ProgramOut {
  const { workspaceId: _w, createdAt, ...rest } = p;
  // Programs stored before join, minPayout and status existed take their defaults.
  return { ...rest, join: p.join ?? "invite", minPayout: p.minPayout ?? 0, status: p.status ?? "active", createdAt: iso(createdAt) };
}

export function presentAffiliate(a: Affiliate): AffiliateOut {
  const { workspaceId: _w, createdAt, portalLinkId: _l, lastSignInAt, payoutMethod, ...rest } = a;
  return { ...rest, lastSignInAt: lastSignInAt ? iso(lastSignInAt) : null, payoutMethod: payoutMethod ?? null, createdAt: iso(createdAt) };
}

export function presentLink(l: Link, publicUrl: string): LinkOut {
  const { workspaceId: _w, createdAt, ...rest } = l;
  // Links stored before status existed are active.
  return { ...rest, url: `${publicUrl}/r/${l.code}`, status: l.status ?? "active", createdAt: iso(createdAt) };
}

export function presentPromoCode(p: PromoCode): PromoCodeOut {
  return {
    id: p.id,
    programId: p.programId,
    affiliateId: p.affiliateId,
    code: p.code,
    stripePromotionCodeId: p.stripePromotionCodeId,
    createdAt: iso(p.createdAt),
  };
}

export function presentClick(c: Click): ClickOut {
  const { workspaceId: _w, ipHash: _ip, counted: _c, createdAt, expiresAt, ...rest } = c;
  return { ...rest, createdAt: iso(createdAt), expiresAt: iso(expiresAt) };
}

export function presentConversion(c: Conversion, now: number): ConversionOut {
  const { workspaceId: _w, createdAt, paidAt, approvesAt, baseCommission: _b, counted: _c, payoutId, paidCommission, clawedBack: _k, history, ...rest } = c;
  return {
    ...rest,
    payoutId: payoutId ?? null,
    paidCommission: paidCommission ?? 0,
    clawbackDue: clawbackDue(c),
    history: (history ?? []).map((h) => ({ ...h, at: iso(h.at) })),
    // Conversions recorded before the explanation existed have none.
    matchDetail: c.matchDetail ?? null,
    status: conversionStatusAt(c, now),
    createdAt: iso(createdAt),
    paidAt: iso(paidAt),
    approvesAt: iso(approvesAt),
  };
}

export function presentLead(l: Lead): LeadOut {
  const { workspaceId: _w, createdAt, source, ...rest } = l;
  return { ...rest, source: source ?? "browser", createdAt: iso(createdAt) };
}

export function presentDelivery(d: WebhookDelivery): DeliveryOut {
  const { workspaceId: _w, receivedAt, count, verified, ...rest } = d;
  return { ...rest, count: count ?? 1, verified: verified ?? true, receivedAt: iso(receivedAt) };
}
