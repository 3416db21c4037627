import { describe, expect, it } from "vitest";
import { decideLead, MAX_EMAILS_PER_CLICK, type LeadState } from "../../server/domain/lead.js";
import type { Click, Lead, LeadSource } from "../../server/domain/types.js";

// The lead rule as a table: who keeps a customer's email when a new lead arrives for it.

const DAY = 24 * 3600 * 1000;
const now = Date.parse("2026-11-20T10:00:00.000Z");

const click = (id: string, o: Partial<Click> = {}): Click => ({
  id,
  workspaceId: "ws_1",
  programId: "prg_1",
  affiliateId: `aff_${id}`,
  linkId: null,
  createdAt: now - DAY,
  expiresAt: now + 29 * DAY,
  landingUrl: null,
  referrer: null,
  country: null,
  userAgent: null,
  ipHash: null,
  ...o,
});
const lead = (clickId: string, source?: LeadSource): Lead => ({ workspaceId: "ws_1", programId: "prg_1", clickId, email: "j@example.com", createdAt: now - DAY, ...(source ? { source } : {}) });

const A = click("icd_A");
const B = click("icd_B", { previousClickId: "icd_A" });

function state(o: Partial<LeadState> & { source?: LeadSource; incomingClick?: Click }): LeadState {
  return {
    attribution: o.attribution ?? "last",
    incoming: { click: o.incomingClick ?? B, email: "j@example.com", source: o.source ?? "browser" },
    existing: o.existing ?? null,
    existingClick: o.existingClick ?? null,
    chain: o.chain ?? [],
    emailsOfClick: o.emailsOfClick ?? [],
    now,
  };
}

describe("decideLead", () => {
  it.each<[string, Parameters<typeof state>[0], "write" | "keep" | "refuse"]>([
    ["no lead yet: the first one is written", {}, "write"],
    ["a stranger's click (no chain) does not take a last-click email", { existing: lead("icd_A"), existingClick: A }, "keep"],
    ["the same visitor's later click replaces in a last-click program", { existing: lead("icd_A"), existingClick: A, chain: ["icd_A"] }, "write"],
    ["the chain may be long: any earlier click of the same browser", { existing: lead("icd_A"), existingClick: A, chain: ["icd_X", "icd_A"] }, "write"],
    ["a chain that does not reach the lead's click keeps it", { existing: lead("icd_A"), existingClick: A, chain: ["icd_X"] }, "keep"],
    ["first-click: the first lead stands even for the same visitor", { attribution: "first", existing: lead("icd_A"), existingClick: A, chain: ["icd_A"] }, "keep"],
    ["a lead whose click left its window is replaced", { existing: lead("icd_A"), existingClick: click("icd_A", { expiresAt: now - 1 }) }, "write"],
    ["a lead whose click is gone is replaced", { existing: lead("icd_A"), existingClick: null }, "write"],
    ["first-click too: an expired first lead is replaced", { attribution: "first", existing: lead("icd_A"), existingClick: click("icd_A", { expiresAt: now - 1 }) }, "write"],
    ["a click expiring this very millisecond is still inside", { existing: lead("icd_A"), existingClick: click("icd_A", { expiresAt: now }) }, "keep"],
    ["a server lead replaces a browser lead", { source: "server", existing: lead("icd_A", "browser"), existingClick: A }, "write"],
    ["a server lead replaces a browser lead in a first-click program", { attribution: "first", source: "server", existing: lead("icd_A"), existingClick: A }, "write"],
    ["a later server lead replaces an earlier server lead", { source: "server", existing: lead("icd_A", "server"), existingClick: A }, "write"],
    ["a browser lead never replaces a server lead, same visitor or not", { existing: lead("icd_A", "server"), existingClick: A, chain: ["icd_A"] }, "keep"],
    ["a server lead whose click left its window holds nothing any more", { existing: lead("icd_A", "server"), existingClick: click("icd_A", { expiresAt: now - 1 }) }, "write"],
    ["the same click again changes nothing", { existing: lead("icd_B"), existingClick: B }, "keep"],
    ["a server lead confirms the same click's browser lead", { source: "server", existing: lead("icd_B"), existingClick: B }, "write"],
    ["a click with MAX emails already is refused a new one", { emailsOfClick: ["a@x.com", "b@x.com", "c@x.com"] }, "refuse"],
    ["an email the click already named is not refused by the cap", { emailsOfClick: ["a@x.com", "b@x.com", "j@example.com"] }, "write"],
    ["the cap does not apply to the merchant's server leads", { source: "server", emailsOfClick: ["a@x.com", "b@x.com", "c@x.com"] }, "write"],
  ])("%s", (_name, s, action) => {
    expect(decideLead(state(s)).action).toBe(action);
  });

  it("caps at a small number, room for a typo fix or two", () => {
    expect(MAX_EMAILS_PER_CLICK).toBe(3);
    expect(decideLead(state({ emailsOfClick: ["a@x.com", "b@x.com"] })).action).toBe("write");
    expect(decideLead(state({ emailsOfClick: ["a@x.com", "b@x.com", "c@x.com"] }))).toMatchObject({ action: "refuse", code: "lead_limit_reached" });
  });
});
