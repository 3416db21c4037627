import { CONVERSION_STATUSES, type Affiliate, type Conversion, type ConversionStatus, type MatchedBy, type Program } from "../domain/types.js";
import { statusBadge } from "./badges.js";
import { dash, formatMode, formatMoney, formatTime } from "./format.js";
import { html, type Html } from "./html.js";
import { pager } from "./pager.js";

// The Conversions tab: every payment Stripe reported, newest first, with what it earned whom,
// and a way to give an unattributed one to an affiliate by hand.

export { CONVERSION_STATUSES };

export interface ConversionFilters {
  status?: ConversionStatus;
  programId?: string;
  mode?: "test" | "live";
}

export interface ConversionsView {
  rows: Conversion[];
  /** each conversion's status as of now (a pending one turns approved after its hold) */
  statusOf: (c: Conversion) => ConversionStatus;
  programs: Program[];
  /** the affiliates the rows name */
  affiliates: Map<string, Affiliate>;
  /** who an unattributed payment can be given to; empty when no row needs it */
  choices: Affiliate[];
  filters: ConversionFilters;
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

function filterForm(v: ConversionsView): Html {
  const f = v.filters;
  return html`<form class="filters" method="get" action="/dashboard/conversions">
    <label>Status
      <select name="status">${option("", "Any", f.status)}${CONVERSION_STATUSES.map((s) => option(s, s.replace("_", " "), f.status))}</select>
    </label>
    <label>Program
      <select name="programId">${option("", "Any", f.programId)}${v.programs.map((p) => option(p.id, p.name, f.programId))}</select>
    </label>
    <label>Mode
      <select name="mode">${option("", "Test and live", f.mode)}${option("test", "Test", f.mode)}${option("live", "Live", f.mode)}</select>
    </label>
    <button type="submit" class="secondary">Filter</button>
    <a class="button secondary" id="export-csv" href="${exportUrl(f)}" download>Download CSV</a>
  </form>`;
}

/** The export with the filters on screen (the API spells mode as livemode). */
function exportUrl(f: ConversionsView["filters"]): string {
  const q = new URLSearchParams();
  if (f.status) q.set("status", f.status);
  if (f.programId) q.set("programId", f.programId);
  if (f.mode) q.set("livemode", String(f.mode === "live"));
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
  const byProgram = v.programs.map((p) => ({ p, list: v.choices.filter((a) => a.programId === p.id) })).filter((g) => g.list.length > 0);
  return html`<form class="attribute" data-conversion="${c.id}">
    <label>Give to
      <select name="affiliateId" required>
        <option value="">Choose an affiliate…</option>
        ${byProgram.map(
          (g) => html`<optgroup label="${g.p.name}">${g.list.map((a) => html`<option value="${a.id}">${a.name} (${a.code})${a.status === "disabled" ? " · disabled" : ""}</option>`)}</optgroup>`,
        )}
      </select>
    </label>
    <button type="submit" class="small">Attribute</button>
  </form>`;
}

function row(c: Conversion, v: ConversionsView): Html {
  const status = v.statusOf(c);
  return html`<tr data-id="${c.id}">
    <td>${formatTime(c.paidAt)}</td>
    <td>${formatMode(c.livemode)}</td>
    <td class="num">${formatMoney(c.amount, c.currency)}</td>
    <td class="num">${c.affiliateId ? formatMoney(c.commission.amount, c.commission.currency) : dash}</td>
    <td>${affiliateCell(c, v.affiliates)}</td>
    <td>${statusBadge(status)}${c.selfReferral ? html`<br><span class="muted">self-referral</span>` : null}</td>
    <td>${c.matchedBy ? matchedByLabel(c.matchedBy) : dash}</td>
    <td>${c.reason ?? dash}</td>
    <td class="num">${c.refundedAmount > 0 ? formatMoney(c.refundedAmount, c.currency) : dash}</td>
    <td>${status === "unattributed" ? attributeForm(c, v) : null}</td>
  </tr>`;
}

/** The table and its pager: the part the page's script swaps when newer data arrives. */
export function conversionResults(v: ConversionsView): Html {
  const filtered = Boolean(v.filters.status || v.filters.programId || v.filters.mode);
  if (v.rows.length === 0) {
    return html`<div id="results"><p class="muted">${
      filtered ? "No conversions match these filters." : v.cursor ? "No older conversions." : "No conversions yet. Each payment Stripe reports appears here within a second."
    }</p>${pager("/dashboard/conversions", { ...v.filters }, v.cursor, null)}</div>`;
  }
  return html`<div id="results">
    <div class="scroll"><table>
      <thead><tr>
        <th scope="col">Paid</th><th scope="col">Mode</th><th scope="col" class="num">Amount</th><th scope="col" class="num">Commission</th>
        <th scope="col">Affiliate</th><th scope="col">Status</th><th scope="col">Matched by</th><th scope="col">Why unattributed</th>
        <th scope="col" class="num">Refunded</th><th scope="col"><span class="muted">Action</span></th>
      </tr></thead>
      <tbody>${v.rows.map((c) => row(c, v))}</tbody>
    </table></div>
    ${pager("/dashboard/conversions", { ...v.filters }, v.cursor, v.nextCursor)}
  </div>`;
}

export function conversionsPage(v: ConversionsView): Html {
  return html`<h1>Conversions</h1>
    ${filterForm(v)}
    <p class="notice bad" role="alert" id="action-error" hidden></p>
    ${conversionResults(v)}`;
}
