import { normalizeEmail } from "./email.js";
import type { Click, Lead, PromoCode } from "./types.js";
import { DAY_MS } from "./calendar.js";

// Who referred a payment. The strongest evidence goes first: the click id Icodrip's middleware
// put on the Checkout Session, then the one it put in metadata, then a promotion code tied to
// an affiliate, then a lead the snippet saw with the customer's email, then a click that
// already paid with that email. A click only counts while its cookie window is open at the
// time of payment; a code counts while it is tied.

export interface ReferralHints {
  clientReferenceId: string | null;
  metadataClickId: string | null;
  email: string | null;
  /** the promotion codes of the payment's discounts: Stripe's promo_… id and, when known, the text */
  promoCodes?: { id: string; code: string | null }[];
}

export interface AttributionLookups {
  click(id: string): Promise<Click | null>;
  /** the tie of a promotion code, by Stripe id or by text (case-insensitive) */
  promoCode?(by: { stripeId: string } | { text: string }): Promise<PromoCode | null>;
  leadByEmail(email: string): Promise<Lead | null>;
  clickByEmail(email: string): Promise<Click | null>;
}

export type MatchKey = "client_reference_id" | "metadata" | "lead_email" | "click_email";

/** `detail` says in a sentence which click, code or lead matched and when (the conversion's matchDetail). */
export type Match =
  | { ok: true; click: Click; matchedBy: MatchKey; detail: string }
  | { ok: true; promo: PromoCode; matchedBy: "promo_code"; detail: string }
  | { ok: false; reason: string };

const CLICK_PREFIX = "icd_";
// Why a key did not match, most telling first: an expired click names the affiliate who
// nearly earned it, an unknown id points at a setup problem, an unmatched email says little.
type Miss =
  | { kind: "expired"; click: Click; via: string }
  | { kind: "unknown"; clickId: string; via: string }
  | { kind: "untied_code"; code: string }
  | { kind: "no_email_match"; email: string }
  | { kind: "bad_email"; email: string }
  | { kind: "no_email" };
const RANK: Record<Miss["kind"], number> = { expired: 0, unknown: 1, untied_code: 2, no_email_match: 3, bad_email: 4, no_email: 5 };

/** A click is inside its window up to and including the millisecond it expires. */
export const clickOpenAt = (click: Click, paidAt: number) => paidAt <= click.expiresAt;

export async function matchReferral(h: ReferralHints, l: AttributionLookups, paidAt: number): Promise<Match> {
  const misses: Miss[] = [];
  const tried = new Set<string>();

  const byId = async (id: string, matchedBy: MatchKey, via: string, detail: (c: Click) => string): Promise<Match | null> => {
    if (tried.has(id)) return null;
    tried.add(id);
    const click = await l.click(id);
    if (!click) misses.push({ kind: "unknown", clickId: id, via });
    else if (!clickOpenAt(click, paidAt)) misses.push({ kind: "expired", click, via });
    else return { ok: true, click, matchedBy, detail: detail(click) };
    return null;
  };
  const byClick = (via: string) => (c: Click) => `Matched by click ${c.id} in ${via}, clicked ${clickedAt(c)}.`;

  const reference = h.clientReferenceId?.trim();
  if (reference?.startsWith(CLICK_PREFIX)) {
    const via = "the Checkout Session's client_reference_id";
    const m = await byId(reference, "client_reference_id", via, byClick(via));
    if (m) return m;
  }
  const fromMetadata = h.metadataClickId?.trim();
  if (fromMetadata) {
    const via = "the payment's metadata (icodrip_click)";
    const m = await byId(fromMetadata, "metadata", via, byClick(via));
    if (m) return m;
  }

  for (const ref of h.promoCodes ?? []) {
    if (!l.promoCode) break;
    // By Stripe's id first (exact), then by the text customers type (case-insensitive).
    const promo = (await l.promoCode({ stripeId: ref.id })) ?? (ref.code ? await l.promoCode({ text: ref.code }) : null);
    if (promo) {
      const detail = `Matched by promotion code ${ref.code ?? promo.code} (${ref.id}) tied to affiliate ${promo.affiliateId}.`;
      return { ok: true, promo, matchedBy: "promo_code", detail };
    }
    misses.push({ kind: "untied_code", code: ref.code ? `${ref.code} (${ref.id})` : ref.id });
  }

  const email = normalizeEmail(h.email);
  if (email) {
    const lead = await l.leadByEmail(email);
    if (lead) {
      const m = await byId(lead.clickId, "lead_email", `the lead recorded for ${email}`, (c) =>
        `Matched by the lead for ${maskEmail(email)} recorded ${iso(lead.createdAt)} from click ${c.id} (${lead.source ?? "browser"} lead), clicked ${clickedAt(c)}.`,
      );
      if (m) return m;
    }
    const click = await l.clickByEmail(email);
    if (click && clickOpenAt(click, paidAt)) {
      const detail = `Matched by click ${click.id}, which an earlier payment by ${maskEmail(email)} was credited to, clicked ${clickedAt(click)}.`;
      return { ok: true, click, matchedBy: "click_email", detail };
    }
    if (click) misses.push({ kind: "expired", click, via: `an earlier payment by ${email}` });
    if (!lead && !click) misses.push({ kind: "no_email_match", email });
  } else if (h.email?.trim()) {
    misses.push({ kind: "bad_email", email: h.email.trim() });
  } else {
    misses.push({ kind: "no_email" });
  }

  const worst = misses.reduce((a, b) => (RANK[b.kind] < RANK[a.kind] ? b : a));
  return { ok: false, reason: explain(worst, paidAt) };
}

function explain(miss: Miss, paidAt: number): string {
  switch (miss.kind) {
    case "expired": {
      const days = Math.round((miss.click.expiresAt - miss.click.createdAt) / DAY_MS);
      return `Click ${miss.click.id} (from ${miss.via}) expired at ${iso(miss.click.expiresAt)}, before the payment at ${iso(paidAt)} (cookie window ${days} days).`;
    }
    case "unknown":
      return `Click ${miss.clickId} (from ${miss.via}) is unknown to this workspace: it was deleted, or it belongs to another Icodrip install or workspace.`;
    case "untied_code":
      return `The payment used promotion code ${miss.code}, which is tied to no affiliate in this workspace, and nothing else matched.`;
    case "no_email_match":
      return `No referral on the payment, and the email ${miss.email} matched no lead or click.`;
    case "bad_email":
      return `No referral on the payment, and the customer email "${miss.email}" is not a valid address to match.`;
    case "no_email":
      return "No referral on the payment, and no customer email to match.";
  }
}

const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms));

const clickedAt = (c: Click) => `${iso(c.createdAt)} (window until ${iso(c.expiresAt)})`;

/** j…@example.com: enough to recognise a customer, without repeating the address in every explanation. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf("@");
  return at > 0 ? `${email[0]}…${email.slice(at)}` : "…";
}
