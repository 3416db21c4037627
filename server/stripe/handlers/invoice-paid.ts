import { renewalAllowed } from "../../domain/rules.js";
import { formatMoney } from "../../domain/money-format.js";
import type { BillingLink } from "../../store/ledger.js";
import type { RecurringRule } from "../../domain/types.js";
import type { Normalized } from "../normalize.js";
import { buildConversion, type Referral } from "../../domain/conversion.js";
import { findReferral } from "./match.js";
import { referralFromClick, withEarlyRefund } from "./referral.js";
import type { HandlerInput, Outcome } from "./types.js";

type Invoice = Extract<Normalized, { type: "invoice_paid" }>["invoice"];

/**
 * invoice.paid: the money of subscriptions. The referral comes from the subscription or customer
 * linked by an earlier Checkout Session, else from the click id the middleware put in the
 * subscription's metadata. The first paid invoice (after any trial) is the first payment;
 * renewals count while the program's recurring rule allows.
 */
export async function handleInvoicePaid({ ledger, event, data, now }: HandlerInput<Invoice>): Promise<Outcome> {
  const inv = await withPaymentIds(ledger, data);
  const existing = await ledger.conversionFor(inv.id);
  if (existing) return { outcome: "processed", message: `Invoice ${inv.id} was already counted as conversion ${existing.id}; nothing changed.` };

  const ids = [inv.subscriptionId, inv.customerId];
  const link = await billingLinkFor(ledger, ids, inv);
  const first = link.firstPaidAt === null;

  if (inv.amountPaid <= 0) {
    ledger.saveBillingLink(link, ids);
    return { outcome: "ignored", message: `Invoice ${inv.id} is for ${formatMoney(0, inv.currency)} (a trial or credit); no commission, the referral stays linked.` };
  }
  if (first) link.firstPaidAt = inv.paidAt;

  const referral = await referralFor(ledger, link);
  if (!("reason" in referral) && !first && !renewalAllowed(referral.program.recurring, link.firstPaidAt ?? inv.paidAt, inv.paidAt)) {
    ledger.saveBillingLink(link, ids);
    return { outcome: "ignored", message: `Invoice ${inv.id} renews subscription ${inv.subscriptionId ?? "?"} after the program's recurring commission ended (${describe(referral.program.recurring)}); no commission.` };
  }

  let conversion = buildConversion(
    ledger.workspaceId,
    event,
    {
      amount: inv.amountPaid,
      currency: inv.currency,
      paidAt: inv.paidAt,
      email: inv.email,
      kind: first ? "first" : "renewal",
      stripe: { checkoutSessionId: null, paymentIntentId: inv.paymentIntentId, invoiceId: inv.id, chargeId: inv.chargeId, customerId: inv.customerId, subscriptionId: inv.subscriptionId },
    },
    referral,
    now,
  );
  conversion = await withEarlyRefund(ledger, conversion);
  ledger.saveConversion(conversion, null, [inv.id, inv.paymentIntentId, inv.chargeId]);
  if ("reason" in referral) {
    // A Checkout Session that arrives later can still complete the picture.
    ledger.saveBillingLink({ ...link, waiting: [...link.waiting, conversion.id] }, ids);
    return { outcome: "unattributed", message: `Invoice ${inv.id} (${formatMoney(inv.amountPaid, inv.currency)}) is unattributed: ${referral.reason}` };
  }
  ledger.saveBillingLink(link, ids);
  const which = first ? "first payment" : "renewal";
  return { outcome: "processed", message: `Invoice ${inv.id} (${which}, ${formatMoney(inv.amountPaid, inv.currency)}) credited to ${referral.affiliate.code}; commission ${formatMoney(conversion.commission.amount, conversion.commission.currency)}.` };
}

/** From basil on the invoice does not say what paid it; invoice_payment.paid may have told us already. */
async function withPaymentIds(ledger: HandlerInput<Invoice>["ledger"], inv: Invoice): Promise<Invoice> {
  if (inv.paymentIntentId && inv.chargeId) return inv;
  const paid = await ledger.invoicePayment(inv.id);
  return paid ? { ...inv, paymentIntentId: inv.paymentIntentId ?? paid.paymentIntentId, chargeId: inv.chargeId ?? paid.chargeId } : inv;
}

/**
 * The subscription's link to its referral: the one a Checkout Session (or an earlier invoice)
 * made, completed when that link has no referral by the click id in the subscription's
 * metadata, else by a promotion code of the invoice's discounts tied to an affiliate. Saved
 * even for a zero-amount invoice (a trial), so the renewals keep the referral.
 */
async function billingLinkFor(ledger: HandlerInput<Invoice>["ledger"], ids: (string | null)[], inv: Invoice): Promise<BillingLink> {
  const link = (await ledger.billingLink(...ids)) ?? { clickId: null, programId: null, affiliateId: null, matchedBy: null, firstPaidAt: null, waiting: [] };
  if (link.affiliateId) return link;
  const click = inv.metadataClickId ? await ledger.click(inv.metadataClickId) : null;
  if (click) {
    const matchDetail = `Matched by click ${click.id} in the subscription's metadata (icodrip_click), clicked ${new Date(click.createdAt).toISOString()}.`;
    return { ...link, clickId: click.id, programId: click.programId, affiliateId: click.affiliateId, matchedBy: "metadata", matchDetail };
  }
  if (inv.promotions.codes.length === 0) return link;
  // Only the code is evidence here: the email belongs to the session's or a later match.
  const byCode = await findReferral(ledger, { clientReferenceId: null, metadataClickId: null, email: null, promotions: inv.promotions }, inv.paidAt);
  if ("reason" in byCode || byCode.matchedBy !== "promo_code") return link;
  return { ...link, clickId: null, programId: byCode.program.id, affiliateId: byCode.affiliate.id, matchedBy: "promo_code", matchDetail: byCode.detail ?? null };
}

async function referralFor(ledger: HandlerInput<Invoice>["ledger"], link: BillingLink): Promise<Referral> {
  if (!link.affiliateId || !link.programId) {
    return { reason: "No Checkout Session with a referral is linked to this subscription or customer, and its metadata carries no click id." };
  }
  const matchedBy = link.matchedBy ?? "metadata";
  // Links saved before explanations existed still get one, naming what is known.
  const detail = link.matchDetail ?? `Matched by ${matchedBy}${link.clickId ? ` (click ${link.clickId})` : ""} when this subscription was linked to its referral.`;
  return referralFromClick(ledger, { id: link.clickId, programId: link.programId, affiliateId: link.affiliateId }, matchedBy, detail);
}

function describe(rule: RecurringRule): string {
  return rule.type === "months" ? `${rule.months} months from the first payment` : rule.type === "once" ? "first payment only" : "lifetime";
}
