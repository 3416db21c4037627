export { formatMoney } from "../domain/money-format.js";
import { html, type Html } from "./html.js";

// How the dashboard writes money (the same as the webhook log's sentences: domain/money-format.ts)
// and time.

/**
 * A time as "2026-11-26 21:19 UTC" in a <time> element, UTC in its tooltip too: the server
 * cannot know the reader's zone, so the shared browser helper (browser/page.ts, localizeTimes)
 * rewrites the text in the reader's zone on every page and the tooltip keeps the UTC.
 */
export function formatTime(at: number | string | null): Html {
  const ms = typeof at === "string" ? Date.parse(at) : at;
  if (ms == null || !Number.isFinite(ms)) return html`<span class="muted">—</span>`;
  const iso = new Date(ms).toISOString();
  const utc = `${iso.slice(0, 16).replace("T", " ")} UTC`;
  return html`<time datetime="${iso}" title="${utc}">${utc}</time>`;
}

/** Stripe's test and live modes, spelled as Stripe's own dashboard does. */
export function formatMode(livemode: boolean | null): Html {
  if (livemode == null) return html`<span class="muted">—</span>`;
  return livemode ? html`<span class="badge blue">live</span>` : html`<span class="badge">test</span>`;
}

export const dash = html`<span class="muted">—</span>`;
