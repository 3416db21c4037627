import type { Normalized } from "../normalize.js";
import { formatMoney } from "../../domain/money-format.js";
import { withRefund } from "../../domain/conversion.js";
import type { HandlerInput, Outcome } from "./types.js";

type Charge = Extract<Normalized, { type: "charge_refunded" }>["charge"];

/**
 * charge.refunded: amount_refunded is cumulative, so the commission is recomputed from it each
 * time (never decremented), which makes repeats and out-of-order deliveries agree. A refund that
 * comes before its payment is kept and applied when the conversion appears.
 */
export async function handleChargeRefunded({ ledger, data: ch }: HandlerInput<Charge>): Promise<Outcome> {
  const conversion = await ledger.conversionFor(ch.id, ch.paymentIntentId, ch.invoiceId);
  if (!conversion) {
    const known = await ledger.earlyRefund(ch.id, ch.paymentIntentId);
    const amountRefunded = Math.max(known?.amountRefunded ?? 0, ch.amountRefunded);
    ledger.saveEarlyRefund({ amountRefunded, chargeAmount: ch.amount, currency: ch.currency }, [ch.id, ch.paymentIntentId, ch.invoiceId]);
    return { outcome: "processed", message: `Refund of ${formatMoney(ch.amountRefunded, ch.currency)} on charge ${ch.id} arrived before its payment; it is kept and applied when the payment's conversion appears.` };
  }
  const updated = withRefund({ ...conversion, stripe: { ...conversion.stripe, chargeId: conversion.stripe.chargeId ?? ch.id } }, ch.amountRefunded, ch.amount);
  ledger.saveConversion(updated, conversion, [ch.id]);
  const state = updated.status === "reversed" ? "fully refunded; commission reversed" : `commission now ${formatMoney(updated.commission.amount, updated.commission.currency)}`;
  return { outcome: "processed", message: `Charge ${ch.id} refunded ${formatMoney(updated.refundedAmount, ch.currency)} of ${formatMoney(ch.amount, ch.currency)} in all (conversion ${conversion.id}): ${state}.` };
}
