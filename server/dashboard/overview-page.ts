import type { Program } from "../domain/types.js";
import type { Figures } from "../reports/figures.js";
import type { AffiliateFigures, DayFigures } from "../reports/service.js";
import { barChart } from "./chart.js";
import { formatMoney } from "./format.js";
import { html, type Html } from "./html.js";

// The dashboard's home: how the program is doing over a range of days against the range before,
// per day, who brings the most, and what is owed. Figures come from the report counters.

export type RangeChoice = "7" | "30" | "90" | "custom";

export interface OverviewView {
  range: { choice: RangeChoice; from: string; to: string; previousFrom: string; previousTo: string };
  programId?: string;
  mode: "test" | "live";
  programs: Program[];
  current: Figures;
  previous: Figures;
  days: DayFigures[];
  top: (AffiliateFigures & { name: string | null; code: string | null })[];
  owed: Figures["commission"];
  message?: string;
}

/** "+12 %", "−3 %", "new" (nothing before), "—" (nothing either time). */
export function change(now: number, before: number): string {
  if (before === 0) return now === 0 ? "—" : "new";
  const pct = Math.round(((now - before) / before) * 100);
  return pct === 0 ? "±0 %" : `${pct > 0 ? "+" : "−"}${Math.abs(pct)} %`;
}

/** The range picker's fields (7, 30, 90 days or custom dates); the Overview's and an affiliate's page. */
export function rangeFields(range: Pick<OverviewView["range"], "choice" | "from" | "to">): Html {
  return html`<label>Range<select name="range">
      ${(["7", "30", "90", "custom"] as const).map((r) => html`<option value="${r}"${range.choice === r ? html` selected` : null}>${r === "custom" ? "Custom" : `Last ${r} days`}</option>`)}
    </select></label>
    <label>From<input type="date" name="from" value="${range.from}"></label>
    <label>To<input type="date" name="to" value="${range.to}"></label>`;
}

/** Commission an affiliate earned, whatever its state now (a reversed one is not). */
export const earned = (c: Figures["commission"][number]) => c.pending + c.approved + c.paid + c.onHold;

export function tile(label: string, value: Html | string, delta: string, id: string): Html {
  return html`<div class="tile" id="${id}"><span class="muted">${label}</span><strong>${value}</strong><span class="delta" title="against the ${"previous"} range">${delta}</span></div>`;
}

export function moneyLines(items: { currency: string; amount: number }[], before: { currency: string; amount: number }[]): Html {
  if (items.length === 0) return html`<span>${formatMoney(0, "usd")}</span>`;
  return html`${items.map((m) => {
    const was = before.find((b) => b.currency === m.currency)?.amount ?? 0;
    return html`<span class="line" data-currency="${m.currency}">${formatMoney(m.amount, m.currency)} <small class="delta">${change(m.amount, was)}</small></span>`;
  })}`;
}

export function overviewPage(v: OverviewView): Html {
  const { current: now, previous: was } = v;
  const commissionNow = now.commission.map((c) => ({ currency: c.currency, amount: earned(c) }));
  const commissionWas = was.commission.map((c) => ({ currency: c.currency, amount: earned(c) }));
  // One revenue chart per currency (the three largest), each in its own currency.
  const currencies = [...now.revenue].sort((a, b) => b.amount - a.amount).slice(0, 3).map((r) => r.currency);
  const q = (extra: Record<string, string>) => new URLSearchParams({ ...(v.programId ? { programId: v.programId } : {}), mode: v.mode, ...extra }).toString();
  return html`
    <h1>Overview</h1>
    <form class="filters" method="get" action="/dashboard/overview">
      ${rangeFields(v.range)}
      <label>Program<select name="programId"><option value="">All programs</option>
        ${v.programs.map((p) => html`<option value="${p.id}"${v.programId === p.id ? html` selected` : null}>${p.name}</option>`)}
      </select></label>
      <label>Mode<select name="mode"><option value="live"${v.mode === "live" ? html` selected` : null}>Live</option><option value="test"${v.mode === "test" ? html` selected` : null}>Test</option></select></label>
      <button type="submit">Show</button>
    </form>
    ${v.message ? html`<p class="notice bad" role="alert">${v.message}</p>` : null}
    <div id="overview-live" data-live>
      <p class="muted">${v.range.from} to ${v.range.to} (UTC days), ${v.mode} mode; changes against ${v.range.previousFrom} to ${v.range.previousTo}.</p>
      <div class="tiles">
        ${tile("Clicks", String(now.clicks), change(now.clicks, was.clicks), "total-clicks")}
        ${tile("Conversions", String(now.conversions), change(now.conversions, was.conversions), "total-conversions")}
        <div class="tile" id="total-revenue"><span class="muted">Revenue</span><strong>${moneyLines(now.revenue, was.revenue)}</strong></div>
        <div class="tile" id="total-commission"><span class="muted">Commission</span><strong>${moneyLines(commissionNow, commissionWas)}</strong></div>
      </div>
      <div class="charts">
        ${barChart("Clicks", v.days.map((d) => ({ date: d.date, value: d.clicks, label: `${d.clicks} clicks` })), "clicks")}
        ${barChart("Conversions", v.days.map((d) => ({ date: d.date, value: d.conversions, label: `${d.conversions} conversions` })), "conversions")}
        ${currencies.map((cur) =>
          barChart(`Revenue (${cur.toUpperCase()})`, v.days.map((d) => {
            const amount = d.revenue.find((r) => r.currency === cur)?.amount ?? 0;
            return { date: d.date, value: amount, label: formatMoney(amount, cur) };
          }), `revenue revenue-${cur}`),
        )}
      </div>
      <div class="columns">
        <section aria-labelledby="top-h"><h2 id="top-h">Top affiliates</h2>
          ${v.top.length === 0
            ? html`<p class="muted">No affiliate had a click or a conversion in this range.</p>`
            : html`<table id="top-affiliates" class="stack"><thead><tr><th>Affiliate</th><th class="num">Clicks</th><th class="num">Conversions</th><th class="num">Revenue</th></tr></thead><tbody>
              ${v.top.map((a) => html`<tr data-affiliate="${a.affiliateId}"><td data-label="Affiliate"><a href="/dashboard/affiliates/${a.affiliateId}?${q({ from: v.range.from, to: v.range.to, range: v.range.choice })}">${a.name ?? "(deleted)"}</a>${a.code ? html` <span class="muted">${a.code}</span>` : null}</td><td class="num" data-label="Clicks">${a.clicks}</td><td class="num" data-label="Conversions">${a.conversions}</td><td class="num" data-label="Revenue">${a.revenue.length === 0 ? "—" : a.revenue.map((r) => html`<span class="line">${formatMoney(r.amount, r.currency)}</span>`)}</td></tr>`)}
              </tbody></table>`}
        </section>
        <section aria-labelledby="owed-h"><h2 id="owed-h">Owed to affiliates</h2>
          <p class="muted">Approved commission (hold passed), not yet paid, over the last two years.</p>
          ${v.owed.length === 0
            ? html`<p id="owed">Nothing is owed right now.</p>`
            : html`<ul id="owed" class="links">${v.owed.map((c) => html`<li data-currency="${c.currency}"><strong>${formatMoney(c.approved, c.currency)}</strong></li>`)}</ul>
              <p><a href="/dashboard/conversions?status=approved&livemode=${String(v.mode === "live")}">The approved conversions</a></p>`}
        </section>
      </div>
    </div>`;
}
