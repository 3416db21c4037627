import { post } from "./api.js";
import type { ClickBody } from "./landing.js";
import { isClickId, isCode, type Referral } from "./referral.js";

// The server applies the program's first- or last-click rule and answers the click to keep, which
// may be the visitor's existing one. A refusal (unknown or disabled affiliate) answers null, and
// the caller keeps what it had. The visitor's email, when known, stays with the visitor.
export async function recordClick(url: string, body: ClickBody, stored: Referral | null): Promise<Referral | null> {
  const response = await post(url, body);
  if (!response.ok) return null;
  // Checked field by field below, so the answer is read as unknown.
  const { clickId, affiliate, expiresAt } = (await response.json()) as Partial<Record<string, unknown>>;
  if (!isClickId(clickId)) return null;
  return { id: clickId, email: stored?.email, affiliate: isCode(affiliate) ? affiliate : "", expires: Number(expiresAt) };
}
