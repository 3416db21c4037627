export { formatMoney } from "../domain/money-format.js";
import { html, type Html } from "./html.js";

// How the dashboard writes money (the same as the webhook log's sentences: domain/money-format.ts)
// and time.

/** A time as "2026-11-26 21:19 UTC" in a <time> element: the server cannot know the reader's zone. */
export function formatTime(ms: number | null): Html {
  if (ms == null || !Number.isFinite(ms)) return html`<span class="muted">—</span>`;
  const iso = new Date(ms).toISOString();
  return html`<time datetime="${iso}">${iso.slice(0, 16).replace("T", " ")} UTC</time>`;
}

/** Stripe's test and live modes, spelled as Stripe's own dashboard does. */
export function formatMode(livemode: boolean | null): Html {
  if (livemode == null) return html`<span class="muted">—</span>`;
  return livemode ? html`<span class="badge blue">live</span>` : html`<span class="badge">test</span>`;
}

export const dash = html`<span class="muted">—</span>`;
