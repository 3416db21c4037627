import type Stripe from "stripe";
import { clickOpenAt } from "../domain/attribution.js";
import { IcodripError } from "../domain/errors.js";
import { unseal } from "../crypto/seal.js";
import type { StripeConnection } from "../domain/types.js";
import type { AppContext } from "../http/context.js";
import { Ledger } from "../store/ledger.js";
import { stripeApi } from "./client.js";
import { classifyStripeError } from "./connect/stripe-error.js";
import type { Normalized, PromoRef, Promotions } from "./normalize.js";

// Which promotion codes a payment used, when its webhook payload does not say: a Checkout
// Session rendered before 2025-01-27 has no discounts list (only total_details.breakdown names
// the code, and only when expanded), an invoice's discounts are di_… ids, and every payload names
// a code by its promo_… id, not the text customers type. This is asked of Stripe before the
// store's transaction (a unit reruns on conflict, and a network call must not), with the
// connection's own credential and a short timeout; a failure fails the delivery (5xx), so
// nothing is recorded and Stripe's retry starts clean.
//
// Stripe is only asked when the answer can change who is credited: the workspace ties codes,
// the payment shows a code it cannot name, and no click id (which comes first) already matches.

/** How long a webhook delivery waits on Stripe; Stripe's own retry is the second attempt. */
export const PROMO_READ_TIMEOUT_MS = 8_000;

/** The restricted-key permissions these reads need, as Stripe names them. */
export const PROMO_READ_PERMISSIONS = ["checkout_session_read", "invoice_read", "promotion_code_read"] as const;

export class StripeReadFailed extends IcodripError {
  readonly code = "stripe_unreachable";
}

type Session = Extract<Normalized, { type: "checkout_session" }>["session"];
type Invoice = Extract<Normalized, { type: "invoice_paid" }>["invoice"];

/** The event's data with its promotion codes named (ids and texts), reading Stripe only if needed. */
export async function withPromotions(ctx: AppContext, connection: StripeConnection, eventId: string, data: Normalized): Promise<Normalized> {
  const workspaceId = connection.workspaceId;
  if (data.type === "checkout_session") {
    const s = data.session;
    if (s.mode === "setup" || s.paymentStatus === "unpaid") return data;
    if (!(await needsRead(ctx, workspaceId, eventId, s.promotions))) return data;
    if (await clickMatches(ctx, workspaceId, s)) return data;
    const promotions = await named(ctx, connection, s.promotions, (stripe) => sessionCodes(stripe, s.id));
    return { ...data, session: { ...s, promotions } };
  }
  if (data.type === "invoice_paid") {
    const inv = data.invoice;
    if (!(await needsRead(ctx, workspaceId, eventId, inv.promotions))) return data;
    if (await alreadyLinked(ctx, workspaceId, inv)) return data;
    const promotions = await named(ctx, connection, inv.promotions, (stripe) => invoiceCodes(stripe, inv.id));
    return { ...data, invoice: { ...inv, promotions } };
  }
  return data;
}

/** Whether anything about the codes is unknown and worth knowing. */
async function needsRead(ctx: AppContext, workspaceId: string, eventId: string, p: Promotions): Promise<boolean> {
  if (!p.unread && p.codes.every((c) => c.code !== null)) return false;
  if (!(await ctx.store.hasPromoCodes(workspaceId))) return false;
  // A code tied by its id needs no text; a repeated delivery of an applied event needs nothing.
  if (!p.unread && (await allTiedById(ctx, workspaceId, p.codes))) return false;
  return !(await ctx.store.eventRecorded(workspaceId, eventId));
}

async function allTiedById(ctx: AppContext, workspaceId: string, codes: PromoRef[]): Promise<boolean> {
  return ctx.store.transact(async (u) => {
    const ledger = new Ledger(u, workspaceId);
    for (const c of codes) if (c.code === null && !(await ledger.promoCode({ stripeId: c.id }))) return false;
    return true;
  });
}

/** A click id on the session that matches decides the referral before any code (see attribution.ts). */
async function clickMatches(ctx: AppContext, workspaceId: string, s: Session): Promise<boolean> {
  for (const id of [s.clientReferenceId?.trim(), s.metadataClickId?.trim()]) {
    if (!id?.startsWith("icd_")) continue;
    const click = await ctx.store.getClick(workspaceId, id);
    if (click && clickOpenAt(click, s.created)) return true;
  }
  return false;
}

/** A subscription already credited keeps its referral; its renewals' codes change nothing. */
async function alreadyLinked(ctx: AppContext, workspaceId: string, inv: Invoice): Promise<boolean> {
  const link = await ctx.store.transact((u) => new Ledger(u, workspaceId).billingLink(inv.subscriptionId, inv.customerId));
  if (link?.affiliateId) return true;
  if (!inv.metadataClickId) return false;
  return (await ctx.store.getClick(workspaceId, inv.metadataClickId)) !== null;
}

async function named(ctx: AppContext, connection: StripeConnection, p: Promotions, list: (stripe: Stripe) => Promise<PromoRef[]>): Promise<Promotions> {
  const stripe = stripeApi(ctx.config, unseal(ctx.config.secret, "stripe-token", connection.sealedToken), { timeoutMs: PROMO_READ_TIMEOUT_MS, retries: 0 });
  try {
    const codes = p.unread ? merge(p.codes, await list(stripe)) : p.codes;
    return { codes: await Promise.all(codes.map(async (c) => (c.code !== null ? c : text(stripe, c.id)))), unread: false };
  } catch (error) {
    const failure = classifyStripeError(error);
    throw new StripeReadFailed(`Stripe could not be asked which promotion code account ${connection.accountId} applied (${failure.message}).`, { cause: error });
  }
}

function merge(known: PromoRef[], read: PromoRef[]): PromoRef[] {
  const all = [...known];
  for (const r of read) {
    const same = all.findIndex((c) => c.id === r.id);
    if (same === -1) all.push(r);
    else all[same] = { id: r.id, code: all[same].code ?? r.code };
  }
  return all;
}

const idOf = (ref: string | { id: string } | null | undefined) => (typeof ref === "string" ? ref : (ref?.id ?? null));

const refOf = (ref: string | Stripe.PromotionCode | null | undefined): PromoRef | null => {
  const id = idOf(ref);
  return id ? { id, code: typeof ref === "object" && ref ? ref.code : null } : null;
};

/** The session's codes: total_details.breakdown (every version), and discounts where rendered. */
async function sessionCodes(stripe: Stripe, sessionId: string): Promise<PromoRef[]> {
  const session = await stripe.checkout.sessions.retrieve(sessionId, { expand: ["total_details.breakdown"] });
  const fromBreakdown = (session.total_details?.breakdown?.discounts ?? []).map((d) => refOf(d.discount.promotion_code));
  const fromDiscounts = (session.discounts ?? []).map((d) => refOf(d.promotion_code));
  return [...fromBreakdown, ...fromDiscounts].filter((r): r is PromoRef => r !== null);
}

/** The invoice's discounts, expanded to their promotion codes. */
async function invoiceCodes(stripe: Stripe, invoiceId: string): Promise<PromoRef[]> {
  const invoice = await stripe.invoices.retrieve(invoiceId, { expand: ["discounts.promotion_code"] });
  return invoice.discounts
    .map((d) => (typeof d === "string" || "deleted" in d ? null : refOf(d.promotion_code)))
    .filter((r): r is PromoRef => r !== null);
}

async function text(stripe: Stripe, id: string): Promise<PromoRef> {
  const promo = await stripe.promotionCodes.retrieve(id);
  return { id, code: promo.code };
}
