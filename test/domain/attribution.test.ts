import { describe, expect, it } from "vitest";
import { matchReferral, type AttributionLookups, type ReferralHints } from "../../server/domain/attribution.js";
import type { Click, Lead } from "../../server/domain/types.js";

const DAY = 24 * 3600 * 1000;
const paidAt = Date.parse("2026-06-01T12:00:00.000Z");

const click = (id: string, expiresAt: number, cookieDays = 60): Click => ({
  id,
  workspaceId: "ws_1",
  programId: "prg_1",
  affiliateId: `aff_of_${id}`,
  linkId: null,
  createdAt: expiresAt - cookieDays * DAY,
  expiresAt,
  landingUrl: null,
  referrer: null,
  country: null,
  userAgent: null,
  ipHash: null,
});

const open = (id: string) => click(id, paidAt + DAY);
const expired = (id: string) => click(id, paidAt - DAY);

interface World {
  clicks?: Click[];
  leads?: Record<string, string>;
  paidClicks?: Record<string, Click>;
}

function lookups(w: World): AttributionLookups & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async click(id) {
      calls.push(`click:${id}`);
      return w.clicks?.find((c) => c.id === id) ?? null;
    },
    async leadByEmail(email) {
      calls.push(`lead:${email}`);
      const clickId = w.leads?.[email];
      return clickId ? ({ workspaceId: "ws_1", programId: "prg_1", clickId, email, createdAt: 0 } satisfies Lead) : null;
    },
    async clickByEmail(email) {
      calls.push(`clickByEmail:${email}`);
      return w.paidClicks?.[email] ?? null;
    },
  };
}

const hints = (h: Partial<ReferralHints>): ReferralHints => ({ clientReferenceId: null, metadataClickId: null, email: null, ...h });

describe("matchReferral: which key wins", () => {
  it.each<[string, Partial<ReferralHints>, World, string, string]>([
    ["client_reference_id first", { clientReferenceId: "icd_a", metadataClickId: "icd_b", email: "x@y.com" }, { clicks: [open("icd_a"), open("icd_b")], leads: { "x@y.com": "icd_c" } }, "icd_a", "client_reference_id"],
    ["metadata when client_reference_id is the merchant's own", { clientReferenceId: "order-42", metadataClickId: "icd_b" }, { clicks: [open("icd_b")] }, "icd_b", "metadata"],
    ["metadata when the client_reference_id click expired", { clientReferenceId: "icd_a", metadataClickId: "icd_b" }, { clicks: [expired("icd_a"), open("icd_b")] }, "icd_b", "metadata"],
    ["metadata when the client_reference_id click is unknown", { clientReferenceId: "icd_zz", metadataClickId: "icd_b" }, { clicks: [open("icd_b")] }, "icd_b", "metadata"],
    ["lead by email, case and spaces ignored", { email: "  X@Y.com " }, { clicks: [open("icd_c")], leads: { "x@y.com": "icd_c" } }, "icd_c", "lead_email"],
    ["lead when the ids on the payment expired", { clientReferenceId: "icd_a", email: "x@y.com" }, { clicks: [expired("icd_a"), open("icd_c")], leads: { "x@y.com": "icd_c" } }, "icd_c", "lead_email"],
    ["click by email when no lead", { email: "x@y.com" }, { paidClicks: { "x@y.com": open("icd_d") } }, "icd_d", "click_email"],
    ["click by email when the lead's click expired", { email: "x@y.com" }, { clicks: [expired("icd_c")], leads: { "x@y.com": "icd_c" }, paidClicks: { "x@y.com": open("icd_d") } }, "icd_d", "click_email"],
  ])("%s", async (_name, h, world, clickId, matchedBy) => {
    const m = await matchReferral(hints(h), lookups(world), paidAt);
    expect(m).toMatchObject({ ok: true, matchedBy, click: { id: clickId } });
  });

  it("stops at the first key that matches", async () => {
    const l = lookups({ clicks: [open("icd_a")], leads: { "x@y.com": "icd_c" } });
    await matchReferral(hints({ clientReferenceId: "icd_a", email: "x@y.com" }), l, paidAt);
    expect(l.calls).toEqual(["click:icd_a"]);
  });

  it("looks a click id up once when client_reference_id and metadata carry the same", async () => {
    const l = lookups({ clicks: [expired("icd_a")] });
    const m = await matchReferral(hints({ clientReferenceId: "icd_a", metadataClickId: "icd_a" }), l, paidAt);
    expect(l.calls).toEqual(["click:icd_a"]);
    expect(m.ok).toBe(false);
  });
});

describe("matchReferral: the cookie window edge", () => {
  const at = (expiresAt: number) => lookups({ clicks: [click("icd_e", expiresAt)] });
  it.each([
    ["a millisecond before expiry", paidAt + 1, true],
    ["exactly at expiry (inside: paidAt <= expiresAt)", paidAt, true],
    ["a millisecond after expiry", paidAt - 1, false],
  ])("payment %s matches: %s", async (_name, expiresAt, ok) => {
    const m = await matchReferral(hints({ clientReferenceId: "icd_e" }), at(expiresAt), paidAt);
    expect(m.ok).toBe(ok);
  });

  it("applies the same edge to clicks found by email", async () => {
    const l = lookups({ paidClicks: { "x@y.com": click("icd_f", paidAt) } });
    expect((await matchReferral(hints({ email: "x@y.com" }), l, paidAt)).ok).toBe(true);
    const late = lookups({ paidClicks: { "x@y.com": click("icd_f", paidAt - 1) } });
    expect((await matchReferral(hints({ email: "x@y.com" }), late, paidAt)).ok).toBe(false);
  });
});

describe("matchReferral: why nothing matched", () => {
  it.each<[string, Partial<ReferralHints>, World, string]>([
    [
      "an expired click, named with its expiry and window",
      { clientReferenceId: "icd_a", email: "x@y.com" },
      { clicks: [click("icd_a", Date.parse("2026-05-01T00:00:00.000Z"), 60)] },
      "Click icd_a (from the Checkout Session's client_reference_id) expired at 2026-05-01T00:00:00.000Z, before the payment at 2026-06-01T12:00:00.000Z (cookie window 60 days).",
    ],
    [
      "an expired click beats an unknown one",
      { clientReferenceId: "icd_zz", metadataClickId: "icd_b" },
      { clicks: [click("icd_b", Date.parse("2026-05-01T00:00:00.000Z"), 30)] },
      "Click icd_b (from the payment's metadata (icodrip_click)) expired at 2026-05-01T00:00:00.000Z, before the payment at 2026-06-01T12:00:00.000Z (cookie window 30 days).",
    ],
    [
      "an expired lead click",
      { email: "x@y.com" },
      { clicks: [click("icd_c", Date.parse("2026-05-01T00:00:00.000Z"), 7)], leads: { "x@y.com": "icd_c" } },
      "Click icd_c (from the lead recorded for x@y.com) expired at 2026-05-01T00:00:00.000Z, before the payment at 2026-06-01T12:00:00.000Z (cookie window 7 days).",
    ],
    [
      "an unknown click id beats an unmatched email",
      { clientReferenceId: "icd_zz", email: "x@y.com" },
      {},
      "Click icd_zz (from the Checkout Session's client_reference_id) is unknown to this workspace: it was deleted, or it belongs to another Icodrip install or workspace.",
    ],
    ["an email that matched nothing", { email: "X@Y.com" }, {}, "No referral on the payment, and the email x@y.com matched no lead or click."],
    ["the merchant's own client_reference_id and no email", { clientReferenceId: "order-42" }, {}, "No referral on the payment, and no customer email to match."],
    ["no hints at all", {}, {}, "No referral on the payment, and no customer email to match."],
    ["an email that is not an address", { email: "not-an-email" }, {}, 'No referral on the payment, and the customer email "not-an-email" is not a valid address to match.'],
  ])("%s", async (_name, h, world, reason) => {
    expect(await matchReferral(hints(h), lookups(world), paidAt)).toEqual({ ok: false, reason });
  });
});
