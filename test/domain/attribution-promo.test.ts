import { describe, expect, it } from "vitest";
import { matchReferral, type AttributionLookups } from "../../server/domain/attribution.js";
import type { Click, Lead, PromoCode } from "../../server/domain/types.js";

// Where a promotion code stands in the order of evidence: after the click ids, before the emails.

const paidAt = Date.parse("2026-06-01T12:00:00.000Z");
const DAY = 24 * 3600 * 1000;

const click = (id: string, affiliateId: string): Click => ({
  id,
  workspaceId: "ws_1",
  programId: "prg_1",
  affiliateId,
  linkId: null,
  createdAt: paidAt - DAY,
  expiresAt: paidAt + DAY,
  landingUrl: null,
  referrer: null,
  country: null,
  userAgent: null,
  ipHash: null,
});

const tie: PromoCode = { id: "pcd_1", workspaceId: "ws_1", programId: "prg_1", affiliateId: "aff_ann", code: "Spring24", stripePromotionCodeId: null, createdAt: 0 };

function lookups(o: { clicks?: Click[]; lead?: Lead; ties?: PromoCode[] }): AttributionLookups {
  return {
    click: (id) => Promise.resolve(o.clicks?.find((c) => c.id === id) ?? null),
    leadByEmail: (email) => Promise.resolve(o.lead?.email === email ? o.lead : null),
    clickByEmail: () => Promise.resolve(null),
    promoCode: (by) =>
      Promise.resolve(
        (o.ties ?? []).find((t) => ("stripeId" in by ? t.stripePromotionCodeId === by.stripeId : t.code.toLowerCase() === by.text.toLowerCase())) ?? null,
      ),
  };
}

const hints = (o: Partial<Parameters<typeof matchReferral>[0]> = {}) => ({ clientReferenceId: null, metadataClickId: null, email: null, ...o });

describe("promotion codes in the order of evidence", () => {
  it("matches a tied code by its Stripe id, else by its text in any case, and names it", async () => {
    const byId = await matchReferral(hints({ promoCodes: [{ id: "promo_1", code: null }] }), lookups({ ties: [{ ...tie, stripePromotionCodeId: "promo_1" }] }), paidAt);
    expect(byId).toMatchObject({ ok: true, matchedBy: "promo_code", detail: "Matched by promotion code Spring24 (promo_1) tied to affiliate aff_ann." });
    const byText = await matchReferral(hints({ promoCodes: [{ id: "promo_9", code: "SPRING24" }] }), lookups({ ties: [tie] }), paidAt);
    expect(byText).toMatchObject({ ok: true, matchedBy: "promo_code", detail: "Matched by promotion code SPRING24 (promo_9) tied to affiliate aff_ann." });
  });

  it("puts a click id before a code, and a code before a lead's email", async () => {
    const world = lookups({ clicks: [click("icd_bob", "aff_bob")], ties: [tie], lead: { workspaceId: "ws_1", programId: "prg_1", clickId: "icd_bob", email: "gus@example.com", createdAt: 0 } });
    const codes = [{ id: "promo_9", code: "spring24" }];
    expect(await matchReferral(hints({ clientReferenceId: "icd_bob", promoCodes: codes }), world, paidAt)).toMatchObject({ ok: true, matchedBy: "client_reference_id" });
    expect(await matchReferral(hints({ metadataClickId: "icd_bob", promoCodes: codes }), world, paidAt)).toMatchObject({ ok: true, matchedBy: "metadata" });
    expect(await matchReferral(hints({ email: "gus@example.com", promoCodes: codes }), world, paidAt)).toMatchObject({ ok: true, matchedBy: "promo_code" });
    expect(await matchReferral(hints({ email: "gus@example.com" }), world, paidAt)).toMatchObject({ ok: true, matchedBy: "lead_email" });
  });

  it("explains an untied code when nothing else matches", async () => {
    const miss = await matchReferral(hints({ email: "nobody@example.com", promoCodes: [{ id: "promo_5", code: "OTHER" }] }), lookups({ ties: [tie] }), paidAt);
    expect(miss).toEqual({ ok: false, reason: "The payment used promotion code OTHER (promo_5), which is tied to no affiliate in this workspace, and nothing else matched." });
  });
});
