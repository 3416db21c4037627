import type { AttributionModel, Click, Lead, LeadSource } from "./types.js";

// Who keeps a customer's email when a new lead arrives for it. A lead ties an email to a click,
// and a later payment by that email goes to the click's affiliate, so a lead is a claim on a
// customer: the rule below stops a stranger from claiming one that another affiliate referred.
// Pure: the store gathers the state inside one atomic unit and writes what this decides.

/** A click id may lead at most this many distinct emails from the browser (room for typo fixes). */
export const MAX_EMAILS_PER_CLICK = 3;

/** How far back a click's chain of earlier clicks (same browser) is followed. */
export const MAX_CHAIN = 20;

export interface LeadState {
  /** the attribution model of the incoming click's program */
  attribution: AttributionModel;
  incoming: { click: Click; email: string; source: LeadSource };
  /** the lead the email has now, if any */
  existing: Lead | null;
  /** that lead's click, null when it is gone (expired past retention or deleted) */
  existingClick: Click | null;
  /** ids of the clicks the incoming click replaced in the same browser, nearest first */
  chain: string[];
  /** the distinct emails browser leads of the incoming click have named so far */
  emailsOfClick: string[];
  now: number;
}

export type LeadDecision =
  /** store the incoming lead */
  | { action: "write"; why: string }
  /** the email keeps the lead it has */
  | { action: "keep"; why: string }
  /** refused, nothing stored: the click id has led too many emails (or the click is gone) */
  | { action: "refuse"; code: "lead_limit_reached" | "click_not_found"; why: string };

export const sourceOf = (lead: Lead): LeadSource => lead.source ?? "browser";

export function decideLead(s: LeadState): LeadDecision {
  const { incoming, existing, existingClick } = s;
  if (incoming.source === "browser" && !s.emailsOfClick.includes(incoming.email) && s.emailsOfClick.length >= MAX_EMAILS_PER_CLICK) {
    return { action: "refuse", code: "lead_limit_reached", why: `click ${incoming.click.id} has already led ${MAX_EMAILS_PER_CLICK} different emails` };
  }
  if (!existing) return { action: "write", why: "the email had no lead" };
  const existingSource = sourceOf(existing);
  if (existing.clickId === incoming.click.id) {
    // The same claim again; a server lead confirms a browser one and so takes its rank.
    return incoming.source === "server" && existingSource === "browser"
      ? { action: "write", why: "the merchant confirmed the browser lead" }
      : { action: "keep", why: "the email already has this lead" };
  }
  // The merchant knows who its customer is: its word replaces any browser lead, and its own earlier word.
  if (incoming.source === "server") return { action: "write", why: "a server lead outranks the earlier lead" };
  // A lead holds its email only while its click could still earn a payment (the window's last
  // millisecond included, as in attribution.ts); after that it claims nothing, whoever made it.
  if (!existingClick || existingClick.expiresAt < s.now) return { action: "write", why: "the earlier lead's click is outside its window" };
  if (existingSource === "server") return { action: "keep", why: "a browser lead never replaces a live server lead" };
  if (s.attribution === "last" && existingClick.programId === incoming.click.programId && s.chain.includes(existing.clickId)) {
    return { action: "write", why: "the same visitor's later click (last-click program)" };
  }
  return {
    action: "keep",
    why: s.attribution === "last" ? "the earlier lead came from another visitor" : "first-click program: the first lead stands",
  };
}
