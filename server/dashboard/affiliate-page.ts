import { describeTerms } from "../domain/terms.js";
import type { Affiliate, Conversion, ConversionStatus, Link, Payout, PayoutMethod, Program } from "../domain/types.js";
import { affiliateActions, linkActions } from "./record-actions.js";
import type { Figures } from "../reports/figures.js";
import type { DayFigures } from "../reports/service.js";
import { statusBadge } from "./badges.js";
import { barChart } from "./chart.js";
import { dash, formatMode, formatMoney, formatTime } from "./format.js";
import { html, type Html } from "./html.js";
import { change, earned, moneyLines, rangeFields, tile, type OverviewView } from "./overview-page.js";

// One affiliate, as the merchant looks them up: who they are and how they are paid, what they
// brought over a range of days (the Overview's figures for them alone), their links, their
// latest conversions, and the buttons that change them.

export interface AffiliateView {
  affiliate: Affiliate;
  /** null when the program was deleted */
  program: Program | null;
  range: OverviewView["range"];
  mode: "test" | "live";
  current: Figures;
  previous: Figures;
  days: DayFigures[];
  links: { link: Link; url: string }[];
  moreLinks: boolean;
  conversions: { conversion: Conversion; status: ConversionStatus }[];
  moreConversions: boolean;
  /** the latest payouts, newest first */
  payouts: Payout[];
  message?: string;
}

const AFFILIATE_COLOUR: Record<Affiliate["status"], string> = { active: "badge green", pending: "badge amber", disabled: "badge" };

/** The kind of payout method an affiliate set, never its details (those are the affiliate's to show in a payout). */
export function payoutMethodLabel(m: PayoutMethod | null | undefined): string {
  if (!m) return "not set";
  return m.type === "bank" ? "bank transfer" : m.type === "paypal" ? "PayPal" : "Wise";
}

function details(a: Affiliate, p: Program | null): Html {
  const terms = p ? describeTerms(p) : null;
  return html`<dl class="facts">
    <dt>Email</dt><dd>${a.email}</dd>
    <dt>Code</dt><dd><code>${a.code}</code></dd>
    <dt>Program</dt><dd>${p ? html`${p.name} <span class="muted">${terms?.commission}, ${terms?.recurring}, ${terms?.window}</span>` : html`<span class="muted">deleted program</span>`}</dd>
    <dt>Joined</dt><dd>${formatTime(a.createdAt)}</dd>
    <dt>Last sign-in to the portal</dt><dd id="last-sign-in">${a.lastSignInAt ? formatTime(a.lastSignInAt) : html`<span class="muted">never</span>`}</dd>
    <dt>Payout method</dt><dd id="payout-method">${payoutMethodLabel(a.payoutMethod)}</dd>
  </dl>`;
}

function commissionTable(now: Figures): Html {
  if (now.commission.length === 0) return html`<p class="muted" id="commission-states">No commission in this range.</p>`;
  return html`<div class="scroll"><table id="commission-states" class="stack">
    <thead><tr><th scope="col">Currency</th><th scope="col" class="num">Pending</th><th scope="col" class="num">Due</th><th scope="col" class="num">Paid</th><th scope="col" class="num">On hold</th><th scope="col" class="num">Reversed</th></tr></thead>
    <tbody>${now.commission.map(
      (c) => html`<tr data-currency="${c.currency}"><td data-label="Currency">${c.currency.toUpperCase()}</td>
        <td class="num" data-label="Pending">${formatMoney(c.pending, c.currency)}</td><td class="num" data-label="Due">${formatMoney(c.approved, c.currency)}</td>
        <td class="num" data-label="Paid">${formatMoney(c.paid, c.currency)}</td><td class="num" data-label="On hold">${formatMoney(c.onHold, c.currency)}</td>
        <td class="num" data-label="Reversed">${formatMoney(c.reversed, c.currency)}</td></tr>`,
    )}</tbody></table></div>`;
}

function linkList(v: AffiliateView): Html {
  if (v.links.length === 0) {
    return html`<p class="muted">${v.affiliate.status === "pending" ? "No links until the affiliate is approved." : "No tracking links yet."}</p>`;
  }
  return html`<ul class="links" id="affiliate-links">${v.links.map(
    ({ link: l, url }) => html`<li data-link="${l.id}"><code class="url">${url}</code> <button type="button" class="secondary small" data-copy="${url}" aria-label="Copy ${url}">Copy</button>${l.path ? html` <span class="muted">→ ${l.path}</span>` : null}${l.status === "disabled" ? html` <span class="badge">disabled</span>` : null}
      ${linkActions(l, url)}</li>`,
  )}</ul>${v.moreLinks ? html`<p class="muted">More links than this page shows; the JSON API lists them all.</p>` : null}`;
}

function conversionTable(v: AffiliateView): Html {
  if (v.conversions.length === 0) return html`<p class="muted">No conversions yet.</p>`;
  return html`<div class="scroll"><table id="affiliate-conversions" class="stack">
    <thead><tr><th scope="col">Paid</th><th scope="col">Mode</th><th scope="col" class="num">Amount</th><th scope="col" class="num">Commission</th><th scope="col">Status</th><th scope="col">Customer</th></tr></thead>
    <tbody>${v.conversions.map(
      ({ conversion: c, status }) => html`<tr data-id="${c.id}">
        <td data-label="Paid">${formatTime(c.paidAt)}</td><td data-label="Mode">${formatMode(c.livemode)}</td>
        <td class="num" data-label="Amount">${formatMoney(c.amount, c.currency)}</td>
        <td class="num" data-label="Commission">${formatMoney(c.commission.amount, c.commission.currency)}</td>
        <td data-label="Status">${statusBadge(status)}</td><td data-label="Customer">${c.customerEmail ?? dash}</td></tr>`,
    )}</tbody></table></div>
    <p><a href="/dashboard/conversions?affiliateId=${encodeURIComponent(v.affiliate.id)}">${v.moreConversions ? "All of this affiliate's conversions" : "Open in Conversions"}</a></p>`;
}

function payoutList(payouts: Payout[]): Html {
  if (payouts.length === 0) return html`<p class="muted" id="affiliate-payouts">No payouts yet.</p>`;
  return html`<div class="scroll"><table id="affiliate-payouts" class="stack">
    <thead><tr><th scope="col">Made</th><th scope="col" class="num">Amount</th><th scope="col">Status</th><th scope="col">Paid</th></tr></thead>
    <tbody>${payouts.map(
      (p) => html`<tr data-payout="${p.id}"><td data-label="Made">${formatTime(p.createdAt)}</td><td class="num" data-label="Amount">${formatMoney(p.amount, p.currency)}</td>
        <td data-label="Status">${p.status}</td><td data-label="Paid">${p.paidAt ? formatTime(p.paidAt) : dash}${p.reference ? html` <code>${p.reference}</code>` : null}</td></tr>`,
    )}</tbody></table></div>
    <p><a href="/dashboard/payouts">All payouts</a></p>`;
}

export function affiliatePage(v: AffiliateView): Html {
  const a = v.affiliate;
  const { current: now, previous: was } = v;
  const currency = [...now.revenue].sort((x, y) => y.amount - x.amount)[0]?.currency;
  return html`
    <p><a href="/dashboard/affiliates">← Affiliates</a></p>
    <h1>${a.name} <span class="${AFFILIATE_COLOUR[a.status]}" id="affiliate-status">${a.status}</span></h1>
    ${a.status === "pending" ? html`<p class="notice warn">${a.name} asked to join and waits for approval: they can sign in to the portal but have no links.</p>` : null}
    ${details(a, v.program)}
    <div id="affiliate-actions">${affiliateActions(a, "/dashboard/affiliates")}</div>
    <form class="filters" method="get" action="/dashboard/affiliates/${a.id}">
      ${rangeFields(v.range)}
      <label>Mode<select name="mode"><option value="live"${v.mode === "live" ? html` selected` : null}>Live</option><option value="test"${v.mode === "test" ? html` selected` : null}>Test</option></select></label>
      <button type="submit">Show</button>
    </form>
    ${v.message ? html`<p class="notice bad" role="alert">${v.message}</p>` : null}
    <p role="status" id="copied" class="muted"></p>
    <div id="affiliate-live" data-live>
      <p class="muted">${v.range.from} to ${v.range.to} (UTC days), ${v.mode} mode; changes against ${v.range.previousFrom} to ${v.range.previousTo}.</p>
      <div class="tiles">
        ${tile("Clicks", String(now.clicks), change(now.clicks, was.clicks), "total-clicks")}
        ${tile("Conversions", String(now.conversions), change(now.conversions, was.conversions), "total-conversions")}
        <div class="tile" id="total-revenue"><span class="muted">Revenue</span><strong>${moneyLines(now.revenue, was.revenue)}</strong></div>
        <div class="tile" id="total-commission"><span class="muted">Commission</span><strong>${moneyLines(
          now.commission.map((c) => ({ currency: c.currency, amount: earned(c) })),
          was.commission.map((c) => ({ currency: c.currency, amount: earned(c) })),
        )}</strong></div>
      </div>
      <div class="charts">
        ${barChart("Clicks", v.days.map((d) => ({ date: d.date, value: d.clicks, label: `${d.clicks} clicks` })), "clicks")}
        ${barChart("Conversions", v.days.map((d) => ({ date: d.date, value: d.conversions, label: `${d.conversions} conversions` })), "conversions")}
        ${currency
          ? barChart(`Revenue (${currency.toUpperCase()})`, v.days.map((d) => {
              const amount = d.revenue.find((r) => r.currency === currency)?.amount ?? 0;
              return { date: d.date, value: amount, label: formatMoney(amount, currency) };
            }), `revenue revenue-${currency}`)
          : null}
      </div>
      <h2>Commission by state</h2>
      ${commissionTable(now)}
      <h2>Latest conversions</h2>
      ${conversionTable(v)}
    </div>
    <h2>Tracking links</h2>
    ${linkList(v)}
    <h2>Payouts</h2>
    ${payoutList(v.payouts)}`;
}

export function missingAffiliatePage(): Html {
  return html`<h1>No such affiliate</h1>
    <p>This workspace has no affiliate with that id; it may have been deleted. <a href="/dashboard/affiliates">See the affiliates</a>.</p>`;
}
