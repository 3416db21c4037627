import type { Affiliate, Click, Conversion, Lead, Payout, Program, PromoCode, StripeConnection } from "../domain/types.js";
import { noted } from "../payouts/lifecycle.js";
import { isPayable } from "../payouts/plan.js";
import { conversionTally } from "../reports/figures.js";
import { keys } from "./keys.js";
import { bumpVersion, recount } from "./stats.js";
import type { Unit } from "./unit.js";

/** What a subscription or customer is tied to, written by whichever of session or invoice came first. */
export interface BillingLink {
  clickId: string | null;
  programId: string | null;
  affiliateId: string | null;
  matchedBy: Conversion["matchedBy"];
  /** the referral's explanation, copied to each of its conversions (absent on older links) */
  matchDetail?: string | null;
  /** when the first paid invoice was paid; null until then (trials) */
  firstPaidAt: number | null;
  /** invoices that arrived before the referral was known, to attribute when it is */
  waiting: string[];
}

export interface InvoicePayment {
  paymentIntentId: string | null;
  chargeId: string | null;
}

export interface EarlyRefund {
  amountRefunded: number;
  chargeAmount: number;
  currency: string;
}

/** What a handler is about to look up, so its reads can be fetched ahead in one round trip. */
export interface ReadHints {
  clickIds: (string | null)[];
  /** ids of Stripe objects (cs_, pi_, in_, ch_): their conversion refs and early refunds */
  paymentIds: (string | null)[];
  /** subscription and customer ids: their billing links */
  billingIds: (string | null)[];
  invoiceIds: (string | null)[];
}

/** The keys the Ledger reads for `hints` (see ReadHints), for Unit.prefetch. */
export function hintedKeys(workspaceId: string, hints: ReadHints): string[] {
  const w = workspaceId;
  const present = (ids: (string | null)[]) => ids.filter((id): id is string => !!id);
  return [
    ...present(hints.clickIds).map((id) => keys.click(w, id)),
    ...present(hints.paymentIds).flatMap((id) => [keys.paymentRef(w, id), keys.earlyRefund(w, id)]),
    ...present(hints.billingIds).map((id) => keys.billingLink(w, id)),
    ...present(hints.invoiceIds).map((id) => keys.invoicePayment(w, id)),
  ];
}

/**
 * The reads and writes webhook handlers make, inside one unit of work (see unit.ts), for one
 * workspace. Everything here commits together with the event's record, or not at all.
 */
export class Ledger {
  constructor(
    private readonly unit: Unit,
    readonly workspaceId: string,
    /** when the changes happen, for each conversion's history; absent: no history is written */
    private readonly now?: number,
  ) {}

  click(id: string): Promise<Click | null> {
    return this.unit.read<Click>(keys.click(this.workspaceId, id));
  }

  lead(email: string): Promise<Lead | null> {
    return this.unit.read<Lead>(keys.lead(this.workspaceId, email));
  }

  async clickByEmail(email: string): Promise<Click | null> {
    const ref = await this.unit.read<{ clickId: string }>(keys.clickByEmail(this.workspaceId, email));
    return ref ? this.click(ref.clickId) : null;
  }

  /** A paying email remembered with its click, so a later payment by that email finds it. */
  rememberClickEmail(email: string, clickId: string): void {
    this.unit.write(keys.clickByEmail(this.workspaceId, email), { clickId });
  }

  /** The tie of a Stripe promotion code, by its promo_… id or by its text (case-insensitive). */
  async promoCode(by: { stripeId: string } | { text: string }): Promise<PromoCode | null> {
    const key = "stripeId" in by ? keys.promoCodeStripe(this.workspaceId, by.stripeId) : keys.promoCodeText(this.workspaceId, by.text);
    const ref = await this.unit.read<{ promoCodeId: string }>(key);
    return ref ? this.unit.read<PromoCode>(keys.promoCode(this.workspaceId, ref.promoCodeId)) : null;
  }

  // Every delivery reads its program and affiliate, which rarely change: from what this process
  // remembers, still checked at commit (Unit.readRemembered).
  program(id: string): Promise<Program | null> {
    return this.unit.readRemembered<Program>(keys.program(this.workspaceId, id));
  }

  affiliate(id: string): Promise<Affiliate | null> {
    return this.unit.readRemembered<Affiliate>(keys.affiliate(this.workspaceId, id));
  }

  conversion(id: string): Promise<Conversion | null> {
    return this.unit.read<Conversion>(keys.conversion(this.workspaceId, id));
  }

  /** The conversion a Stripe object (cs_, in_, pi_, ch_) produced, if any; first id that has one wins. */
  async conversionFor(...stripeIds: (string | null)[]): Promise<Conversion | null> {
    const ref = await this.first<{ conversionId: string }>((id) => keys.paymentRef(this.workspaceId, id), stripeIds);
    return ref ? this.conversion(ref.conversionId) : null;
  }

  /**
   * Saves a conversion, its list indexes, the Stripe ids that lead to it, and its share of the
   * report counters (its old share, from `before` as read in this unit, taken away).
   */
  saveConversion(c: Conversion, before: Conversion | null, stripeIds: (string | null)[], statusAt?: number): void {
    const w = this.workspaceId;
    const key = keys.conversion(w, c.id);
    // The share to take away is that of the record as this unit knows it (read, or written by an
    // earlier save in the same unit), and only if it was counted: a record stored before the
    // counters existed has no share in them yet (Store.countOldRows gives it one).
    const known = this.unit.peek(key) as Conversion | null | undefined;
    const prior = known === undefined ? before : known;
    // A change of status goes into the conversion's history, at the time it took effect.
    const at = statusAt ?? this.now;
    const last = c.history?.at(-1);
    const already = last !== undefined && last.status === c.status && last.at === at;
    const saved = at !== undefined && prior?.status !== c.status && !already ? noted(c, { at, status: c.status }) : c;
    this.unit.write(key, { ...saved, counted: true } satisfies Conversion);
    if (isPayable(saved)) this.unit.index(keys.payable(w), c.id, c.createdAt);
    else if (prior && isPayable(prior)) this.unit.unindex(keys.payable(w), c.id);
    recount(this.unit, w, prior?.counted ? conversionTally(prior) : null, conversionTally(c));
    bumpVersion(this.unit, w, "conversions");
    // A pending commission waits in the approvals index until its hold ends.
    if (c.status === "pending" && c.affiliateId) this.unit.index(keys.approvals(w), c.id, c.approvesAt);
    else if (before?.status === "pending") this.unit.unindex(keys.approvals(w), c.id);
    this.unit.index(keys.conversions(w), c.id, c.createdAt);
    if (c.programId) this.unit.index(keys.conversionsOfProgram(w, c.programId), c.id, c.createdAt);
    if (c.affiliateId) this.unit.index(keys.conversionsOfAffiliate(w, c.affiliateId), c.id, c.createdAt);
    if (before?.affiliateId && before.affiliateId !== c.affiliateId) {
      this.unit.unindex(keys.conversionsOfAffiliate(w, before.affiliateId), c.id);
    }
    if (before?.programId && before.programId !== c.programId) {
      this.unit.unindex(keys.conversionsOfProgram(w, before.programId), c.id);
    }
    for (const id of stripeIds) if (id) this.unit.write(keys.paymentRef(w, id), { conversionId: c.id });
  }

  payout(id: string): Promise<Payout | null> {
    return this.unit.read<Payout>(keys.payout(this.workspaceId, id));
  }

  /** Saves a payout and its list indexes (newest first by when it was made). */
  savePayout(p: Payout): void {
    this.unit.write(keys.payout(this.workspaceId, p.id), p);
    this.unit.index(keys.payouts(this.workspaceId), p.id, p.createdAt);
    this.unit.index(keys.payoutsOfAffiliate(this.workspaceId, p.affiliateId), p.id, p.createdAt);
    bumpVersion(this.unit, this.workspaceId, "conversions");
  }

  billingLink(...stripeIds: (string | null)[]): Promise<BillingLink | null> {
    return this.first((id) => keys.billingLink(this.workspaceId, id), stripeIds);
  }

  saveBillingLink(link: BillingLink, stripeIds: (string | null)[]): void {
    for (const id of stripeIds) if (id) this.unit.write(keys.billingLink(this.workspaceId, id), link);
  }

  earlyRefund(...stripeIds: (string | null)[]): Promise<EarlyRefund | null> {
    return this.first((id) => keys.earlyRefund(this.workspaceId, id), stripeIds);
  }

  saveEarlyRefund(refund: EarlyRefund, stripeIds: (string | null)[]): void {
    for (const id of stripeIds) if (id) this.unit.write(keys.earlyRefund(this.workspaceId, id), refund);
  }

  invoicePayment(invoiceId: string): Promise<InvoicePayment | null> {
    return this.unit.read<InvoicePayment>(keys.invoicePayment(this.workspaceId, invoiceId));
  }

  saveInvoicePayment(invoiceId: string, payment: InvoicePayment): void {
    this.unit.write(keys.invoicePayment(this.workspaceId, invoiceId), payment);
  }

  connection(accountId: string, livemode: boolean): Promise<StripeConnection | null> {
    return this.unit.read<StripeConnection>(keys.connection(this.workspaceId, accountId, livemode));
  }

  saveConnection(connection: StripeConnection): void {
    this.unit.write(keys.connection(this.workspaceId, connection.accountId, connection.livemode), connection);
  }

  /** The document under the first of several Stripe ids that has one. */
  private async first<T>(key: (stripeId: string) => string, stripeIds: (string | null)[]): Promise<T | null> {
    for (const id of stripeIds) {
      if (!id) continue;
      const found = await this.unit.read<T>(key(id));
      if (found) return found;
    }
    return null;
  }
}
