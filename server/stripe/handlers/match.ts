import { matchReferral } from "../../domain/attribution.js";
import type { Ledger } from "../../store/ledger.js";
import type { Referral } from "../../domain/conversion.js";
import type { PromoRef } from "../normalize.js";
import { referralFromClick } from "./referral.js";

/** Finds who referred a payment: click id, metadata, promotion code, lead email, then a click that paid with that email. */
export async function findReferral(
  ledger: Ledger,
  hints: { clientReferenceId: string | null; metadataClickId: string | null; email: string | null; promotions?: { codes: PromoRef[] } },
  paidAt: number,
): Promise<Referral> {
  const match = await matchReferral(
    { ...hints, promoCodes: hints.promotions?.codes ?? [] },
    {
      click: (id) => ledger.click(id),
      promoCode: (by) => ledger.promoCode(by),
      leadByEmail: (email) => ledger.lead(email),
      clickByEmail: (email) => ledger.clickByEmail(email),
    },
    paidAt,
  );
  if (!match.ok) return { reason: match.reason };
  if ("promo" in match) {
    const referral = await referralFromClick(ledger, { id: null, programId: match.promo.programId, affiliateId: match.promo.affiliateId }, "promo_code", match.detail);
    if ("reason" in referral) return referral;
    // The affiliate's code reads better than its id in the explanation.
    return { ...referral, detail: match.detail.replace(`affiliate ${match.promo.affiliateId}`, `affiliate ${referral.affiliate.code} (${referral.affiliate.id})`) };
  }
  return referralFromClick(ledger, match.click, match.matchedBy, match.detail);
}
