import { decideLead, MAX_CHAIN, type LeadDecision } from "../domain/lead.js";
import type { Click, Lead, LeadSource, Program } from "../domain/types.js";
import type { Store } from "../store/store.js";
import { DAY_MS } from "../domain/calendar.js";

export interface LeadOffer {
  program: Program;
  click: Click;
  /** normalised */
  email: string;
  source: LeadSource;
}

export interface LeadOutcome {
  decision: LeadDecision;
  /** the email's lead after the decision (null when refused) */
  lead: Lead | null;
}

/**
 * Offers a lead for an email under the rule of domain/lead.ts, atomically: the email's current
 * lead, the click's chain and its count of emails are read and written in one unit.
 */
export async function recordLead(store: Store, offer: LeadOffer, now: number): Promise<LeadOutcome> {
  const { program, click, email, source } = offer;
  const lead: Lead = { workspaceId: program.workspaceId, programId: program.id, clickId: click.id, email, createdAt: now, source };
  // Kept a week past the click's window, like the click itself, so a late payment still finds it.
  const ttlMs = Math.max(click.expiresAt - now, 0) + 7 * DAY_MS;
  return store.offerLead<LeadDecision>(
    lead,
    ttlMs,
    (s) =>
      s.click
        ? decideLead({ attribution: program.attribution, incoming: { click: s.click, email, source }, existing: s.existing, existingClick: s.existingClick, chain: s.chain, emailsOfClick: s.emailsOfClick, now })
        : { action: "refuse", code: "click_not_found", why: `click ${click.id} no longer exists` },
    MAX_CHAIN,
  );
}
