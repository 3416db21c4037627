import type { Affiliate, Click } from "../domain/types.js";
import { dash, formatTime } from "./format.js";
import { html, type Html } from "./html.js";
import { pager } from "./pager.js";

// The Clicks tab: recent visits through tracking links and the snippet. The landing URL and the
// referrer are whatever the visitor's browser sent, so they are shown as text, never as links.

export interface ClicksView {
  rows: Click[];
  affiliates: Map<string, Affiliate>;
  cursor?: string;
  nextCursor: string | null;
}

const text = (value: string | null) => (value ? html`<span class="url">${value}</span>` : dash);

function row(c: Click, affiliates: Map<string, Affiliate>): Html {
  const a = affiliates.get(c.affiliateId);
  return html`<tr>
    <td data-label="Time">${formatTime(c.createdAt)}</td>
    <td data-label="Affiliate">${a ? html`${a.name}<br><code>${a.code}</code>` : html`<span class="muted">deleted affiliate</span>`}</td>
    <td data-label="Landing page">${text(c.landingUrl)}</td>
    <td data-label="Referrer">${text(c.referrer)}</td>
    <td data-label="Country">${c.country ?? dash}</td>
  </tr>`;
}

export function clicksPage(v: ClicksView): Html {
  return html`<h1>Clicks</h1>
    ${v.rows.length === 0
      ? html`<p class="muted">${v.cursor ? "No older clicks." : "No clicks yet. A visit through a tracking link, or to the site with the snippet and ?via=CODE, appears here."}</p>`
      : html`<div class="scroll"><table class="stack">
          <thead><tr><th scope="col">Time</th><th scope="col">Affiliate</th><th scope="col">Landing page</th><th scope="col">Referrer</th><th scope="col">Country</th></tr></thead>
          <tbody>${v.rows.map((c) => row(c, v.affiliates))}</tbody>
        </table></div>`}
    ${pager("/dashboard/clicks", {}, v.cursor, v.nextCursor)}`;
}
