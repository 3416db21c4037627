import type { HandlerInput, Outcome } from "./types.js";

/** account.application.deauthorized: the merchant removed Icodrip in Stripe; mark it disconnected. */
export async function handleDeauthorized({ ledger, event }: HandlerInput<unknown>): Promise<Outcome> {
  if (!event.accountId) return { outcome: "ignored", message: "A deauthorization without an account; nothing to do." };
  const connection = await ledger.connection(event.accountId, event.livemode);
  if (!connection) return { outcome: "ignored", message: `Account ${event.accountId} was not connected in this mode.` };
  ledger.saveConnection({
    ...connection,
    status: "disconnected",
    problem: `Stripe account ${event.accountId} disconnected Icodrip in its Stripe Dashboard; press "Connect Stripe" to connect it again.`,
  });
  return { outcome: "processed", message: `Stripe account ${event.accountId} disconnected Icodrip; it is marked disconnected.` };
}
