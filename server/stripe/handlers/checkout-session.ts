import type { Normalized } from "../normalize.js";
import { formatMoney } from "../../domain/money-format.js";
import { attribute, buildConversion } from "../../domain/conversion.js";
import { withEarlyRefund } from "./referral.js";
import { findReferral } from "./match.js";
import type { HandlerInput, Outcome } from "./types.js";

type Session = Extract<Normalized, { type: "checkout_session" }>["session"];

/**
 * checkout.session.completed and checkout.session.async_payment_succeeded.
 * Payment mode: the session is the sale. Subscription mode: the session ties the customer and
 * subscription to the referral; the money arrives with invoice.paid, never from the session.
 */
export async function handleCheckoutSession({ ledger, event, data: s, now }: HandlerInput<Session>): Promise<Outcome> {
  if (s.mode === "setup") return { outcome: "ignored", message: `Checkout Session ${s.id} only saved a payment method; nothing to count.` };
  if (s.paymentStatus === "unpaid") {
    return { outcome: "ignored", message: `Checkout Session ${s.id} is not paid yet (a delayed payment method); it counts when checkout.session.async_payment_succeeded arrives.` };
  }
  const referral = await findReferral(ledger, s, s.created);
  if (s.mode === "subscription") return linkSubscription(ledger, s, referral, now);

  const existing = await ledger.conversionFor(s.id, s.paymentIntentId);
  if (existing) return { outcome: "processed", message: `Checkout Session ${s.id} was already counted as conversion ${existing.id}; nothing changed.` };
  if (s.amountTotal <= 0) return { outcome: "ignored", message: `Checkout Session ${s.id} charged nothing; no commission.` };

  let conversion = buildConversion(
    ledger.workspaceId,
    event,
    {
      amount: s.amountTotal,
      currency: s.currency,
      // The event's time is when Stripe took the money (days after the session for delayed
      // methods); the session's own creation time is what the cookie window is judged by.
      paidAt: event.created,
      email: s.email,
      kind: "one_time",
      stripe: { checkoutSessionId: s.id, paymentIntentId: s.paymentIntentId, invoiceId: s.invoiceId, chargeId: null, customerId: s.customerId, subscriptionId: null },
    },
    referral,
    now,
  );
  conversion = await withEarlyRefund(ledger, conversion);
  ledger.saveConversion(conversion, null, [s.id, s.paymentIntentId, s.invoiceId]);
  if ("reason" in referral) return { outcome: "unattributed", message: `Payment ${money(s)} from Checkout Session ${s.id} is unattributed: ${referral.reason}` };
  if (s.email && conversion.clickId) ledger.rememberClickEmail(s.email, conversion.clickId);
  return { outcome: "processed", message: `Payment ${money(s)} from Checkout Session ${s.id} credited to ${referral.affiliate.code} (matched by ${referral.matchedBy}); commission ${formatMoney(conversion.commission.amount, conversion.commission.currency)}${conversion.selfReferral ? " — flagged as a self-referral" : ""}.` };
}

async function linkSubscription(ledger: HandlerInput<Session>["ledger"], s: Session, referral: Awaited<ReturnType<typeof findReferral>>, _now: number): Promise<Outcome> {
  const ids = [s.subscriptionId, s.customerId];
  const link = (await ledger.billingLink(...ids)) ?? { clickId: null, programId: null, affiliateId: null, matchedBy: null, firstPaidAt: null, waiting: [] };
  if ("reason" in referral) {
    ledger.saveBillingLink(link, ids);
    return { outcome: "unattributed", message: `Subscription ${s.subscriptionId ?? "?"} from Checkout Session ${s.id} has no referral: ${referral.reason} Its invoices stay unattributed.` };
  }
  if (link.affiliateId && link.affiliateId !== referral.affiliate.id) {
    return { outcome: "processed", message: `Subscription ${s.subscriptionId ?? "?"} is already credited to another affiliate; the first referral stands.` };
  }
  // Invoices that came before this session wait on the link: attribute them now.
  let completed = 0;
  for (const conversionId of link.waiting) {
    const waiting = await ledger.conversion(conversionId);
    if (!waiting || waiting.affiliateId) continue;
    ledger.saveConversion(attribute(waiting, referral), waiting, []);
    completed++;
  }
  ledger.saveBillingLink(
    { ...link, clickId: referral.clickId, programId: referral.program.id, affiliateId: referral.affiliate.id, matchedBy: referral.matchedBy, matchDetail: referral.detail ?? null, waiting: [] },
    ids,
  );
  if (s.email && referral.clickId) ledger.rememberClickEmail(s.email, referral.clickId);
  const tail = completed > 0 ? ` ${completed} invoice${completed === 1 ? "" : "s"} paid earlier now credited too.` : " Commissions follow with its paid invoices.";
  return { outcome: "processed", message: `Subscription ${s.subscriptionId ?? "?"} from Checkout Session ${s.id} linked to ${referral.affiliate.code} (matched by ${referral.matchedBy}).${tail}` };
}

function money(s: { amountTotal: number; currency: string }): string {
  return formatMoney(s.amountTotal, s.currency);
}
