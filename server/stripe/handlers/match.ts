import { matchReferral } from "../../domain/attribution.js";
import type { Ledger } from "../../store/ledger.js";
import type { Referral } from "../../domain/conversion.js";
import { referralFromClick } from "./referral.js";

/** Finds who referred a payment: click id, metadata, lead email, then a click that paid with that email. */
export async function findReferral(
  ledger: Ledger,
  hints: { clientReferenceId: string | null; metadataClickId: string | null; email: string | null },
  paidAt: number,
): Promise<Referral> {
  const match = await matchReferral(
    hints,
    {
      click: (id) => ledger.click(id),
      leadByEmail: (email) => ledger.lead(email),
      clickByEmail: (email) => ledger.clickByEmail(email),
    },
    paidAt,
  );
  if (!match.ok) return { reason: match.reason };
  return referralFromClick(ledger, match.click, match.matchedBy, match.detail);
}
