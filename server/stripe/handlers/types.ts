import type { Ledger } from "../../store/ledger.js";
import type { NormalizedEvent } from "../normalize.js";

/** The event a handler acts for: its id, type, account, mode, API version and time (ms). */
export type EventInfo = NormalizedEvent;

export interface HandlerInput<T> {
  ledger: Ledger;
  event: EventInfo;
  data: T;
  now: number;
}

/** What became of an event, in a sentence the merchant reads in the webhook log. */
export interface Outcome {
  outcome: "processed" | "ignored" | "unattributed";
  message: string;
}
