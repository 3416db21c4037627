import type { Ledger } from "../../store/ledger.js";

export interface EventInfo {
  id: string;
  type: string;
  accountId: string | null;
  livemode: boolean;
  apiVersion: string | null;
  /** ms */
  created: number;
}

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
