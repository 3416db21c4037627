import type { Normalized } from "../normalize.js";
import { withEarlyRefund } from "./referral.js";
import type { HandlerInput, Outcome } from "./types.js";

type InvoicePayment = Extract<Normalized, { type: "invoice_payment" }>["payment"];

/**
 * invoice_payment.paid ties an invoice to the PaymentIntent and Charge that paid it, so a later
 * refund of that charge finds the invoice's conversion. Either order works: before invoice.paid
 * the tie is kept for it; after, the conversion learns its ids (and any refund that came first).
 */
export async function handleInvoicePaymentPaid({ ledger, data: p }: HandlerInput<InvoicePayment>): Promise<Outcome> {
  ledger.saveInvoicePayment(p.invoiceId, { paymentIntentId: p.paymentIntentId, chargeId: p.chargeId });
  const conversion = await ledger.conversionFor(p.invoiceId);
  if (!conversion) {
    return { outcome: "processed", message: `Invoice ${p.invoiceId} was paid by ${p.paymentIntentId ?? p.chargeId ?? "an unnamed payment"}; kept for when the invoice's conversion appears.` };
  }
  const stripe = { ...conversion.stripe, paymentIntentId: conversion.stripe.paymentIntentId ?? p.paymentIntentId, chargeId: conversion.stripe.chargeId ?? p.chargeId };
  const updated = await withEarlyRefund(ledger, { ...conversion, stripe });
  ledger.saveConversion(updated, conversion, [p.paymentIntentId, p.chargeId]);
  return { outcome: "processed", message: `Invoice ${p.invoiceId} of conversion ${conversion.id} was paid by ${p.paymentIntentId ?? p.chargeId ?? "an unnamed payment"}; its refunds will find it.` };
}
