import type { RequestHandler } from "express";
import { z } from "zod";
import type { Affiliate, Payout } from "../domain/types.js";
import type { AppContext } from "../http/context.js";
import { payoutMethodLabel } from "../dashboard/affiliate-page.js";
import { dash, formatMode, formatMoney, formatTime } from "../dashboard/format.js";
import { html, type Html } from "../dashboard/html.js";
import { sendDashboard } from "../dashboard/layout.js";
import { pager } from "../dashboard/pager.js";
import { oneOf, pageCursor } from "../dashboard/query.js";
import { memberPage } from "../dashboard/signed-in.js";
import { planRun } from "./service.js";

// The Payouts tab: what a run would pay now, the button that makes the payouts, the batch files
// to pay them with, and each payout with Mark paid and Cancel.

const PAGE_SIZE = 50;
const filters = z.object({ status: oneOf(["pending", "paid", "canceled"]), cursor: pageCursor });

interface PayoutsView {
  rows: Payout[];
  affiliates: Map<string, Affiliate>;
  status?: "pending" | "paid" | "canceled";
  cursor?: string;
  nextCursor: string | null;
  /** what a run would pay now, per currency, and how many payouts it would make */
  due: { currency: string; amount: number; payouts: number }[];
  /** currencies of pending payouts: one PayPal file each */
  pendingCurrencies: string[];
  /** pending payouts of affiliates who set no payout method */
  withoutMethod: number;
}

function totals(rows: Payout[]): Html {
  const byCurrency = new Map<string, { amount: number; count: number }>();
  for (const p of rows) {
    const t = byCurrency.get(p.currency) ?? { amount: 0, count: 0 };
    byCurrency.set(p.currency, { amount: t.amount + p.amount, count: t.count + 1 });
  }
  return html`${[...byCurrency].sort(([a], [b]) => a.localeCompare(b)).map(
    ([currency, t]) => html`<tr class="totals" data-currency="${currency}"><th scope="row" data-label="Total">Total ${currency.toUpperCase()} (${t.count})</th><td class="num" data-label="Amount">${formatMoney(t.amount, currency)}</td><td colspan="6"></td></tr>`,
  )}`;
}

function actions(p: Payout): Html {
  if (p.status !== "pending") return html``;
  return html`<form class="mark-paid" data-payout="${p.id}">
      <label>Reference <input name="reference" class="short" maxlength="200" placeholder="batch id"></label>
      <button type="submit" class="small">Mark paid</button>
    </form>
    <button type="button" class="secondary small" data-cancel="${p.id}">Cancel</button>`;
}

function row(p: Payout, v: PayoutsView): Html {
  const a = v.affiliates.get(p.affiliateId);
  const clawback = p.lines.filter((l) => l.kind === "clawback").reduce((sum, l) => sum + l.amount, 0);
  return html`<tr data-id="${p.id}" data-status="${p.status}">
    <td data-label="Made">${formatTime(p.createdAt)}</td>
    <td class="num" data-label="Amount">${formatMoney(p.amount, p.currency)}${clawback < 0 ? html`<br><span class="muted">after ${formatMoney(clawback, p.currency)} clawed back</span>` : null}</td>
    <td data-label="Affiliate">${a ? html`<a href="/dashboard/affiliates/${a.id}">${a.name}</a>` : html`<span class="muted">deleted affiliate</span>`}</td>
    <td data-label="Paid by">${p.method ? payoutMethodLabel(p.method) : html`<span class="badge amber">no payout method</span>`}</td>
    <td data-label="Mode">${formatMode(p.livemode)}</td>
    <td data-label="Status"><span class="${p.status === "paid" ? "badge green" : p.status === "pending" ? "badge blue" : "badge"}">${p.status}</span></td>
    <td data-label="Paid">${p.paidAt ? formatTime(p.paidAt) : dash}${p.reference ? html`<br><code>${p.reference}</code>` : null}</td>
    <td data-label="Action">${actions(p)}</td>
  </tr>`;
}

function exports(v: PayoutsView): Html {
  const file = (format: string, extra: Record<string, string>, label: string) =>
    html`<a class="button secondary" download href="/api/v1/payouts/export.csv?${new URLSearchParams({ format, status: "pending", ...extra }).toString()}">${label}</a>`;
  if (v.pendingCurrencies.length === 0) return html`<p class="muted">No pending payouts to pay.</p>`;
  return html`<p class="exports">
    ${v.pendingCurrencies.map((c) => file("paypal", { currency: c }, `PayPal file (${c.toUpperCase()})`))}
    ${file("wise", {}, "Wise batch file")}
    ${file("generic", {}, "All details (CSV)")}
  </p>
  <p class="muted">The PayPal and Wise files hold the pending payouts of affiliates paid that way (PayPal takes one currency per file); the details file holds every one.${v.withoutMethod > 0 ? ` ${v.withoutMethod} pending payout${v.withoutMethod === 1 ? " is" : "s are"} for affiliates who set no payout method yet: ask them to set one in the portal.` : ""}</p>`;
}

export function payoutsPage(v: PayoutsView): Html {
  const option = (value: string, label: string) => html`<option value="${value}"${(v.status ?? "") === value ? html` selected` : null}>${label}</option>`;
  return html`<h1>Payouts</h1>
    <section aria-labelledby="due-h" id="payouts-due"><h2 id="due-h">Due now</h2>
      ${v.due.length === 0
        ? html`<p class="muted" id="due-none">Nothing is due: commissions are due once their hold has passed, and wait while a total is under the program's minimum payout.</p>`
        : html`<ul class="links" id="due">${v.due.map((d) => html`<li data-currency="${d.currency}"><strong>${formatMoney(d.amount, d.currency)}</strong> in ${d.payouts} payout${d.payouts === 1 ? "" : "s"}</li>`)}</ul>`}
      <p><button type="button" id="create-payouts"${v.due.length === 0 ? html` disabled` : null}>Create payouts</button></p>
      <p role="status" id="payouts-message" class="muted"></p>
    </section>
    <section aria-labelledby="files-h"><h2 id="files-h">Pay them</h2>${exports(v)}</section>
    <section aria-labelledby="list-h"><h2 id="list-h">All payouts</h2>
      <form class="filters" method="get" action="/dashboard/payouts">
        <label>Status<select name="status">${option("", "Any")}${option("pending", "Pending")}${option("paid", "Paid")}${option("canceled", "Canceled")}</select></label>
        <button type="submit" class="secondary">Filter</button>
      </form>
      <p class="notice bad" role="alert" id="action-error" hidden></p>
      ${v.rows.length === 0
        ? html`<p class="muted">No payouts${v.status ? ` ${v.status}` : " yet"}.</p>`
        : html`<div class="scroll"><table id="payouts" class="stack">
          <thead><tr><th scope="col">Made</th><th scope="col" class="num">Amount</th><th scope="col">Affiliate</th><th scope="col">Paid by</th><th scope="col">Mode</th><th scope="col">Status</th><th scope="col">Paid</th><th scope="col"><span class="muted">Action</span></th></tr></thead>
          <tbody>${v.rows.map((p) => row(p, v))}</tbody>
          <tfoot>${totals(v.rows)}</tfoot>
        </table></div>`}
      ${pager("/dashboard/payouts", { status: v.status }, v.cursor, v.nextCursor)}
    </section>`;
}

export function payoutsRoute(ctx: AppContext): RequestHandler {
  return memberPage(ctx, async (req, res, signedIn) => {
    const w = signedIn.workspace.id;
    const { status, cursor } = filters.parse(req.query);
    const now = ctx.now();
    const [page, { plan }, pending] = await Promise.all([
      ctx.store.listPayouts(w, { limit: PAGE_SIZE, cursor, status }),
      planRun(ctx.store, w, {}, now),
      ctx.store.listPayouts(w, { limit: 500, status: "pending" }),
    ]);
    const preview = plan.payouts;
    const due = new Map<string, { currency: string; amount: number; payouts: number }>();
    for (const p of preview) {
      const d = due.get(p.currency) ?? { currency: p.currency, amount: 0, payouts: 0 };
      due.set(p.currency, { ...d, amount: d.amount + p.amount, payouts: d.payouts + 1 });
    }
    const ids = [...new Set(page.data.map((p) => p.affiliateId))];
    const found = await Promise.all(ids.map((id) => ctx.store.getAffiliate(w, id)));
    const body = payoutsPage({
      rows: page.data,
      affiliates: new Map(found.filter((a): a is Affiliate => a !== null).map((a) => [a.id, a])),
      status,
      cursor,
      nextCursor: page.nextCursor,
      due: [...due.values()].sort((a, b) => a.currency.localeCompare(b.currency)),
      pendingCurrencies: [...new Set(pending.data.map((p) => p.currency))].sort(),
      withoutMethod: pending.data.filter((p) => p.method === null).length,
    });
    sendDashboard(res, { title: "Payouts", tab: "payouts", signedIn, body, script: "payouts" });
  });
}
