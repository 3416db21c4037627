import type { ConversionStatus, DeliveryOutcome } from "../domain/types.js";
import { html, type Html } from "./html.js";

// States shown as coloured badges. The word is always there too: colour alone says nothing to a
// screen reader or to someone who cannot tell red from green.

const STATUS_COLOUR: Record<ConversionStatus, string> = {
  pending: "blue",
  approved: "green",
  paid: "green",
  reversed: "red",
  on_hold: "amber",
  unattributed: "",
  awaiting_payment: "",
};

const OUTCOME_COLOUR: Record<DeliveryOutcome, string> = {
  processed: "green",
  duplicate: "",
  ignored: "",
  unattributed: "amber",
  rejected: "red",
  failed: "red",
};

const badge = (colour: string | undefined, label: string): Html => html`<span class="${colour ? `badge ${colour}` : "badge"}">${label}</span>`;

export const statusBadge = (status: ConversionStatus): Html => badge(STATUS_COLOUR[status], status.replace("_", " "));

export const outcomeBadge = (outcome: DeliveryOutcome): Html => badge(OUTCOME_COLOUR[outcome], outcome);

/** Beside a rejected delivery whose signature did not verify: its fields are the body's claim. */
export const unverifiedBadge = (): Html => badge("amber", "unverified");
