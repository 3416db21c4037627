import type { Normalized } from "../normalize.js";
import type { HandlerInput, Outcome } from "./types.js";

type Dispute = Extract<Normalized, { type: "dispute" }>["dispute"];

/** A dispute holds the commission; a lost one reverses it, a won one releases it. */
export async function handleDispute({ ledger, data: d }: HandlerInput<Dispute>): Promise<Outcome> {
  const conversion = await ledger.conversionFor(d.chargeId, d.paymentIntentId);
  if (!conversion) return { outcome: "ignored", message: `Dispute ${d.id} concerns charge ${d.chargeId}, which no conversion knows.` };
  if (conversion.status === "unattributed" || conversion.status === "reversed") {
    return { outcome: "processed", message: `Dispute ${d.id} (${d.status}) on conversion ${conversion.id}, which earns no commission; nothing to hold.` };
  }
  if (!d.closed) {
    ledger.saveConversion({ ...conversion, status: "on_hold" }, conversion, []);
    return { outcome: "processed", message: `Dispute ${d.id} opened on charge ${d.chargeId}: commission of conversion ${conversion.id} is on hold until it closes.` };
  }
  if (d.status === "lost") {
    ledger.saveConversion({ ...conversion, status: "reversed", commission: { ...conversion.commission, amount: 0 } }, conversion, []);
    return { outcome: "processed", message: `Dispute ${d.id} was lost: commission of conversion ${conversion.id} reversed.` };
  }
  // Released: back to paid if it had been, else pending (approved again once its hold is over).
  ledger.saveConversion({ ...conversion, status: conversion.paidCommission ? "paid" : "pending" }, conversion, []);
  return { outcome: "processed", message: `Dispute ${d.id} closed as ${d.status}: commission of conversion ${conversion.id} released.` };
}
