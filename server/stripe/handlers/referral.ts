import type { Conversion, MatchedBy } from "../../domain/types.js";
import { withRefund, type Referral } from "../../domain/conversion.js";
import type { Ledger } from "../../store/ledger.js";

/** A refund that arrived before its payment is applied when the conversion appears. */
export async function withEarlyRefund(ledger: Ledger, c: Conversion): Promise<Conversion> {
  const early = await ledger.earlyRefund(c.stripe.chargeId, c.stripe.paymentIntentId, c.stripe.invoiceId);
  return early ? withRefund(c, early.amountRefunded, early.chargeAmount) : c;
}

/**
 * Resolves a matched click (or a promotion code's tie, which has no click: id null) to its
 * program and affiliate; a disabled affiliate still earns what it referred.
 */
export async function referralFromClick(
  ledger: Ledger,
  click: { id: string | null; programId: string; affiliateId: string } | null,
  matchedBy: Exclude<MatchedBy, null>,
  detail?: string,
): Promise<Referral> {
  if (!click) return { reason: "The referral's click no longer exists." };
  const [program, affiliate] = await Promise.all([ledger.program(click.programId), ledger.affiliate(click.affiliateId)]);
  const of = click.id ? `click ${click.id}` : "the referral";
  if (!program) return { reason: `The program of ${of} was deleted.` };
  if (!affiliate) return { reason: `The affiliate of ${of} was deleted.` };
  return { program, affiliate, clickId: click.id || null, matchedBy, detail };
}
