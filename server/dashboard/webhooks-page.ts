import type { DeliveryOutcome, WebhookDelivery } from "../domain/types.js";
import { outcomeBadge, unverifiedBadge } from "./badges.js";
import { dash, formatMode, formatTime } from "./format.js";
import { html, type Html } from "./html.js";
import { readableAmounts } from "../domain/money-format.js";
import { pager } from "./pager.js";

// The Webhooks tab: every delivery Stripe made to this workspace's endpoints, as Icodrip judged
// it, with the sentence that says why. It is how a merchant finds out that a payment was not
// counted, or that the signing secret is wrong.

export const OUTCOMES = ["processed", "duplicate", "ignored", "unattributed", "rejected", "failed"] as const;

export interface WebhooksView {
  rows: WebhookDelivery[];
  outcome?: DeliveryOutcome;
  cursor?: string;
  nextCursor: string | null;
}

const code = (value: string | null) => (value ? html`<code>${value}</code>` : dash);

function row(d: WebhookDelivery): Html {
  return html`<tr>
    <td data-label="Received">${formatTime(d.receivedAt)}</td>
    <td data-label="Event">${code(d.eventId)}</td>
    <td data-label="Type">${code(d.type)}</td>
    <td data-label="Account">${code(d.accountId)}</td>
    <td data-label="Mode">${formatMode(d.livemode)}</td>
    <td data-label="API version">${d.apiVersion ?? dash}</td>
    <td data-label="Outcome">${outcomeBadge(d.outcome)}${d.verified === false ? html` ${unverifiedBadge()}` : null}</td>
    <td class="message" data-label="Message">${readableAmounts(d.message)}${(d.count ?? 1) > 1 ? html` <span class="muted">(×${d.count} that minute)</span>` : null}</td>
  </tr>`;
}

function filterForm(outcome: DeliveryOutcome | undefined): Html {
  return html`<form class="filters" method="get" action="/dashboard/webhooks">
    <label>Outcome
      <select name="outcome">
        <option value="">Any</option>
        ${OUTCOMES.map((o) => html`<option value="${o}"${o === outcome ? html` selected` : null}>${o}</option>`)}
      </select>
    </label>
    <button type="submit" class="secondary">Filter</button>
  </form>`;
}

export function webhooksPage(v: WebhooksView): Html {
  return html`<h1>Webhook deliveries</h1>
    ${filterForm(v.outcome)}
    ${v.rows.length === 0
      ? html`<p class="muted">${v.outcome ? "No deliveries with this outcome." : v.cursor ? "No older deliveries." : "No deliveries yet. Once Stripe is connected (Settings › Integrations), each event it sends is listed here."}</p>`
      : html`<div class="scroll"><table class="stack">
          <thead><tr>
            <th scope="col">Received</th><th scope="col">Event</th><th scope="col">Type</th><th scope="col">Account</th>
            <th scope="col">Mode</th><th scope="col">API version</th><th scope="col">Outcome</th><th scope="col">Message</th>
          </tr></thead>
          <tbody>${v.rows.map(row)}</tbody>
        </table></div>`}
    ${pager("/dashboard/webhooks", { outcome: v.outcome }, v.cursor, v.nextCursor)}`;
}
