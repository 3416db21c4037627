import type { IntegrationStatus } from "../stripe/connect/status.js";
import { formatTime } from "./format.js";
import { html, type Html } from "./html.js";

// Settings > Integrations: connect Stripe (OAuth when this server is a Connect platform, a
// restricted key either way), see each account's state, repair or disconnect it.

// The sentences come from here, keyed by the code in the redirect, rather than from the
// redirect's `message`: a link anyone can craft must not put its words on Icodrip's page.
// Partial: the error code arrives in the query string and may be one this table does not know.
const ERRORS: Partial<Record<string, string>> = {
  access_denied: "You declined the connection in Stripe, so nothing was connected; press Connect Stripe to try again.",
  invalid_state: "That Stripe connection link was used already or is more than 10 minutes old; press Connect Stripe again.",
  state_mismatch: "That Stripe connection was started in another browser or session, so it was not accepted; press Connect Stripe here.",
  invalid_grant: "Stripe refused the authorization code (it expires after a few minutes and works once); press Connect Stripe again.",
  invalid_request: "Stripe sent Icodrip back without what it needs; press Connect Stripe again.",
  platform_not_configured: "This server is not a Stripe Connect platform; connect with a restricted key below.",
  account_taken: "That Stripe account is connected to another Icodrip workspace; disconnect it there first.",
  webhook_setup_failed: "The account is connected, but the webhook endpoint could not be set up; press Repair Webhooks.",
};

export interface IntegrationsView {
  platform: boolean;
  /** why Stripe cannot reach PUBLIC_URL, or null */
  unreachable: string | null;
  status: IntegrationStatus;
  query: { error?: string; connected?: string };
}

function notices(q: IntegrationsView["query"]): Html[] {
  const out: Html[] = [];
  if (q.connected && /^acct_[A-Za-z0-9]+$/.test(q.connected)) out.push(html`<p class="notice ok" role="status">Connected Stripe account <code>${q.connected}</code>.</p>`);
  if (q.error) {
    const known = ERRORS[q.error];
    const code = q.error.replace(/[^a-z_]/g, "").slice(0, 40);
    out.push(html`<p class="notice bad" role="alert">${known ?? `Connecting Stripe did not finish (${code}); press Connect Stripe to try again.`}</p>`);
  }
  return out;
}

const overall: Record<IntegrationStatus["status"], Html> = {
  connected: html`<p class="notice ok"><strong>Connected.</strong> Icodrip is registered for the account's events.</p>`,
  needs_repair: html`<p class="notice warn"><strong>Needs repair.</strong> Some events cannot reach Icodrip; see below.</p>`,
  not_connected: html`<p class="notice warn"><strong>Not connected.</strong> Connect a Stripe account to turn payments into conversions.</p>`,
};

function accountRow(a: IntegrationStatus["accounts"][number]): Html {
  const state = a.status !== "connected" ? "Disconnected" : a.problem ? "Needs repair" : "Connected";
  return html`<tr>
    <td data-label="Account"><code>${a.accountId}</code></td>
    <td data-label="Mode">${a.livemode ? "live" : "test"}</td>
    <td data-label="Method">${a.method === "oauth" ? "Stripe Connect" : "restricted key"}</td>
    <td data-label="Webhook endpoint">${a.webhook ? html`<code class="url">${a.webhook.url}</code><br><span class="muted">${a.webhook.id} · last event ${a.webhook.lastEventAt ? formatTime(a.webhook.lastEventAt) : "none yet"}</span>` : html`<span class="muted">none</span>`}</td>
    <td data-label="State"><strong>${state}</strong>${a.problem ? html`<br>${a.problem}` : null}</td>
    <td data-label="Action">${a.status === "connected" ? html`<button class="secondary" data-disconnect="${a.accountId}" data-livemode="${String(a.livemode)}">Disconnect</button>` : null}</td>
  </tr>`;
}

export function integrationsPage(v: IntegrationsView): Html {
  const anyConnected = v.status.accounts.some((a) => a.status === "connected");
  return html`
    <h1>Settings › Integrations</h1>
    ${notices(v.query)}
    <p class="notice bad" role="alert" id="action-error" hidden></p>
    <h2>Stripe</h2>
    ${v.unreachable ? html`<p class="notice warn" role="alert" id="public-url-warning">${v.unreachable}</p>` : null}
    ${overall[v.status.status]}
    ${v.status.accounts.length > 0
      ? html`<div class="scroll"><table class="stack">
          <thead><tr><th>Account</th><th>Mode</th><th>Method</th><th>Webhook endpoint</th><th>State</th><th></th></tr></thead>
          <tbody>${v.status.accounts.map(accountRow)}</tbody>
        </table></div>`
      : null}
    ${anyConnected ? html`<p><button id="repair">Repair Webhooks</button></p>` : null}
    <h2>Connect with Stripe</h2>
    ${v.platform
      ? html`<p>Icodrip asks for read-only access to your Stripe account.</p>
          <p><a class="button" href="/integrations/stripe/connect">Connect Stripe</a></p>`
      : html`<p><button type="button" id="connect-stripe" disabled aria-describedby="connect-help">Connect Stripe</button></p>
          <p class="muted" id="connect-help">Connecting in one click needs this server to run as a Stripe Connect platform: its operator sets
            <code>STRIPE_SECRET_KEY</code> (the platform's secret key) and <code>STRIPE_CLIENT_ID</code> (Settings > Connect in Stripe's
            Dashboard) and restarts Icodrip. Until then, connect with a restricted key below.</p>`}
    <h2>${v.platform ? "Or connect with a restricted key" : "Connect with a restricted key"}</h2>
    <p>In Stripe's Dashboard > Developers > API keys, create a restricted key that can read the account and write Webhook Endpoints,
      and, so that payments made with a promotion code tied to an affiliate are credited, read Checkout Sessions, Invoices and
      Promotion Codes; then paste it here. Icodrip registers its webhook endpoint on your account and keeps the key encrypted.</p>
    <form id="restricted-key">
      <p><input name="restrictedKey" placeholder="rk_live_…" autocomplete="off" spellcheck="false" required> <button type="submit">Connect</button></p>
    </form>`;
}
