import { currencyDecimals } from "../domain/currency.js";
import { html, type Html } from "./html.js";

// How the dashboard writes money and time. Amounts arrive in the currency's minor unit as Stripe
// counts it (¥500 is 500, $5.00 is 500), so the decimals come from Stripe's table, not Intl's.

/** 12345 usd → "$123.45"; 500 jpy → "¥500"; 1234 kwd → "KWD 1.234". */
export function formatMoney(amount: number, currency: string): string {
  let decimals: number;
  try {
    decimals = currencyDecimals(currency);
  } catch {
    // A code Icodrip would never store; show the raw number rather than fail the whole page.
    return `${amount} ${currency}`;
  }
  const major = amount / 10 ** decimals;
  try {
    return new Intl.NumberFormat("en-US", {
      style: "currency",
      currency: currency.toUpperCase(),
      minimumFractionDigits: decimals,
      maximumFractionDigits: decimals,
    }).format(major);
  } catch {
    return `${major.toFixed(decimals)} ${currency.toUpperCase()}`;
  }
}

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
