import { CONVERSION_STATUSES, type Affiliate, type Conversion, type ConversionStatus, type MatchedBy, type Program } from "../domain/types.js";
import type { FilteredTotals } from "../http/conversion-filter.js";
import { clawbackDue } from "../payouts/plan.js";
import { statusBadge } from "./badges.js";
import { dash, formatMode, formatMoney, formatTime } from "./format.js";
import { html, type Html } from "./html.js";
import { pager } from "./pager.js";

// The Conversions tab: every payment Stripe reported, newest first, with what it earned whom,
// and a way to give an unattributed one to an affiliate by hand.

/** The filters as the URL (and the form) spell them: the API's names, so the export link is the same query. */
export const FILTER_FIELDS = ["programId", "affiliateId", "status", "livemode", "customerEmail", "from", "to"] as const;
export type FilterField = (typeof FILTER_FIELDS)[number];
export type FilterValues = Partial<Record<FilterField, string>>;

export interface ConversionsView {
  rows: Conversion[];
  /** each conversion's status as of now (a pending one turns approved after its hold) */
  statusOf: (c: Conversion) => ConversionStatus;
  programs: Program[];
  /** the affiliates the rows and the filter name */
  affiliates: Map<string, Affiliate>;
  /** the affiliate filter's options, and who an unattributed payment can be given to */
  choices: Affiliate[];
  /** the filters applied, as typed (a bad one is left out and named in `problems`) */
  filters: FilterValues;
  /** why a filter in the URL was not applied, one sentence each */
  problems: string[];
  totals: FilteredTotals;
  cursor?: string;
  nextCursor: string | null;
}

const MATCHED_BY: Record<Exclude<MatchedBy, null>, string> = {
  client_reference_id: "checkout reference",
  metadata: "payment metadata",
  promo_code: "promotion code",
  lead_email: "lead's email",
  click_email: "email at click",
  manual: "by hand",
};
// Read through a Partial view: a conversion stored by another version may name a method this table lacks.
const matchedByLabel = (m: string): string => (MATCHED_BY as Partial<Record<string, string>>)[m] ?? m;

const option = (value: string, label: string, selected: string | undefined) =>
  html`<option value="${value}"${value === (selected ?? "") ? html` selected` : null}>${label}</option>`;

/** The affiliates by program, for a select box; a disabled one says so. */
function affiliateOptions(v: ConversionsView, selected: string | undefined): Html {
  const groups = v.programs.map((p) => ({ p, list: v.choices.filter((a) => a.programId === p.id) })).filter((g) => g.list.length > 0);
  return html`${groups.map(
    (g) => html`<optgroup label="${g.p.name}">${g.list.map((a) => html`<option value="${a.id}"${a.id === selected ? html` selected` : null}>${a.name} (${a.code})${a.status === "disabled" ? " · disabled" : ""}</option>`)}</optgroup>`,
  )}`;
}

function filterForm(v: ConversionsView): Html {
  const f = v.filters;
  return html`<form class="filters" method="get" action="/dashboard/conversions" id="filters">
    <label>Program
      <select name="programId">${option("", "Any", f.programId)}${v.programs.map((p) => option(p.id, p.name, f.programId))}</select>
    </label>
    <label>Affiliate
      <select name="affiliateId">${option("", "Any", f.affiliateId)}${affiliateOptions(v, f.affiliateId)}</select>
    </label>
    <label>Status
      <select name="status">${option("", "Any", f.status)}${CONVERSION_STATUSES.map((s) => option(s, s.replace("_", " "), f.status))}</select>
    </label>
    <label>Mode
      <select name="livemode">${option("", "Test and live", f.livemode)}${option("false", "Test", f.livemode)}${option("true", "Live", f.livemode)}</select>
    </label>
    <label>Customer email
      <input type="search" name="customerEmail" value="${f.customerEmail ?? ""}" placeholder="part of an email" maxlength="200">
    </label>
    <label>From (UTC day)
      <input type="date" name="from" value="${f.from ?? ""}">
    </label>
    <label>To (UTC day)
      <input type="date" name="to" value="${f.to ?? ""}">
    </label>
    <button type="submit" class="secondary">Filter</button>
    ${FILTER_FIELDS.some((k) => f[k]) ? html`<a href="/dashboard/conversions">Clear</a>` : null}
    <a class="button secondary" id="export-csv" href="${exportUrl(f)}" download>Download CSV</a>
  </form>`;
}

/** The export with the filters on screen: the API reads the same names and values. */
export function exportUrl(f: FilterValues): string {
  const q = new URLSearchParams();
  for (const k of FILTER_FIELDS) if (f[k]) q.set(k, f[k]);
  const query = q.toString();
  return `/api/v1/conversions/export.csv${query ? `?${query}` : ""}`;
}

function affiliateCell(c: Conversion, affiliates: Map<string, Affiliate>): Html {
  if (!c.affiliateId) return dash;
  const a = affiliates.get(c.affiliateId);
  return a ? html`${a.name}<br><code>${a.code}</code>` : html`<span class="muted">deleted affiliate <code>${c.affiliateId}</code></span>`;
}

function attributeForm(c: Conversion, v: ConversionsView): Html {
  if (v.choices.length === 0) return html`<a href="/dashboard/affiliates">Create an affiliate</a> to attribute it.`;
  return html`<form class="attribute" data-conversion="${c.id}">
    <label>Give to
      <select name="affiliateId" required>
        <option value="">Choose an affiliate…</option>
        ${affiliateOptions(v, undefined)}
      </select>
    </label>
    <button type="submit" class="small">Attribute</button>
  </form>`;
}

/** Where its commission is in the payouts: in one, or owed back after a refund that came after it was paid. */
function payoutNote(c: Conversion): Html | null {
  const back = clawbackDue(c);
  if (back > 0) return html`<br><span class="muted">${formatMoney(back, c.commission.currency)} to claw back from the next payout</span>`;
  return c.payoutId ? html`<br><a class="muted" href="/dashboard/payouts">in payout <code>${c.payoutId}</code></a>` : null;
}

/** The commission's story: each change of status with its time (conversions stored before it have none). */
function history(c: Conversion): Html | null {
  if (!c.history || c.history.length < 2) return null;
  return html`<details class="history"><summary>History</summary><ol>${c.history.map(
    (h) => html`<li>${formatTime(h.at)} ${h.note ?? h.status.replace("_", " ")}${h.note ? html` <span class="muted">(${h.status.replace("_", " ")})</span>` : null}</li>`,
  )}</ol></details>`;
}

function row(c: Conversion, v: ConversionsView): Html {
  const status = v.statusOf(c);
  return html`<tr data-id="${c.id}">
    <td data-label="Paid">${formatTime(c.paidAt)}</td>
    <td data-label="Mode">${formatMode(c.livemode)}</td>
    <td class="num" data-label="Amount">${formatMoney(c.amount, c.currency)}</td>
    <td class="num" data-label="Commission">${c.affiliateId ? formatMoney(c.commission.amount, c.commission.currency) : dash}</td>
    <td data-label="Affiliate">${affiliateCell(c, v.affiliates)}</td>
    <td data-label="Status">${statusBadge(status)}${c.selfReferral ? html`<br><span class="muted">self-referral</span>` : null}${payoutNote(c)}${history(c)}</td>
    <td data-label="Matched by">${c.matchedBy ? matchedByLabel(c.matchedBy) : dash}</td>
    <td data-label="Why unattributed">${c.reason ?? dash}</td>
    <td class="num" data-label="Refunded">${c.refundedAmount > 0 ? formatMoney(c.refundedAmount, c.currency) : dash}</td>
    <td data-label="Action">${status === "unattributed" ? attributeForm(c, v) : null}</td>
  </tr>`;
}

/** The totals of every conversion the filters select, a row per currency (all pages, not only this one). */
function totalsTable(v: ConversionsView): Html {
  const t = v.totals;
  if (t.counted === 0) return html``;
  return html`<div class="scroll"><table class="stack totals" id="totals">
    <caption>Totals for ${FILTER_FIELDS.some((k) => v.filters[k]) ? "these filters" : "all conversions"}, all pages</caption>
    <thead><tr><th scope="col">Currency</th><th scope="col" class="num">Conversions</th><th scope="col" class="num">Revenue</th><th scope="col" class="num">Refunded</th><th scope="col" class="num">Commission</th></tr></thead>
    <tbody>${t.currencies.map(
      (c) => html`<tr data-currency="${c.currency}">
        <th scope="row" data-label="Currency">${c.currency.toUpperCase()}</th>
        <td class="num" data-label="Conversions">${c.count}</td>
        <td class="num" data-label="Revenue">${formatMoney(c.revenue, c.currency)}</td>
        <td class="num" data-label="Refunded">${formatMoney(c.refunded, c.currency)}</td>
        <td class="num" data-label="Commission">${formatMoney(c.commission, c.currency)}</td>
      </tr>`,
    )}</tbody>
  </table></div>
  ${t.capped ? html`<p class="notice warn" id="totals-capped">These totals cover only the newest ${t.counted.toLocaleString("en-US")} matching conversions; more match. Narrow the filters (a date range, say) for totals of the whole match.</p>` : null}`;
}

/** The totals, the table and its pager: the part the page's script swaps when newer data arrives. */
export function conversionResults(v: ConversionsView): Html {
  const filtered = FILTER_FIELDS.some((k) => v.filters[k]);
  const links = Object.fromEntries(FILTER_FIELDS.map((k) => [k, v.filters[k]]));
  if (v.rows.length === 0) {
    return html`<div id="results">${totalsTable(v)}<p class="muted">${
      filtered ? (v.cursor ? "No older conversions match these filters." : "No conversions match these filters.") : v.cursor ? "No older conversions." : "No conversions yet. Each payment Stripe reports appears here within a second."
    }</p>${pager("/dashboard/conversions", links, v.cursor, v.nextCursor)}</div>`;
  }
  return html`<div id="results">
    ${totalsTable(v)}
    <div class="scroll"><table class="stack" id="conversions">
      <thead><tr>
        <th scope="col">Paid</th><th scope="col">Mode</th><th scope="col" class="num">Amount</th><th scope="col" class="num">Commission</th>
        <th scope="col">Affiliate</th><th scope="col">Status</th><th scope="col">Matched by</th><th scope="col">Why unattributed</th>
        <th scope="col" class="num">Refunded</th><th scope="col"><span class="muted">Action</span></th>
      </tr></thead>
      <tbody>${v.rows.map((c) => row(c, v))}</tbody>
    </table></div>
    ${pager("/dashboard/conversions", links, v.cursor, v.nextCursor)}
  </div>`;
}

export function conversionsPage(v: ConversionsView): Html {
  return html`<h1>Conversions</h1>
    ${filterForm(v)}
    ${v.problems.length > 0 ? html`<p class="notice bad" role="alert" id="filter-error">${v.problems.join(" ")}</p>` : null}
    <p class="notice bad" role="alert" id="action-error" hidden></p>
    ${conversionResults(v)}`;
}
