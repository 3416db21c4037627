import type { Program } from "../domain/types.js";
import { html, type Html } from "./html.js";

// A program's settings as form fields: the Programs tab's "Add a program" form and each program's
// edit form render the same inputs, so browser/program-body.ts reads both the same way. Given a
// program, the fields hold its values; without one, the creation defaults.

export const field = (label: string, control: Html) => html`<label>${label} ${control}</label>`;

/** Where a form's script writes the API's sentence when saving fails. */
export const formError = html`<p class="notice bad" role="alert" data-error hidden></p>`;

const option = (value: string, label: string, selected: string) => html`<option value="${value}"${value === selected ? html` selected` : null}>${label}</option>`;

export function programFields(p?: Program): Html {
  const commission = p?.commission ?? { type: "percent" as const, percent: 30 };
  const recurring = p?.recurring ?? { type: "once" as const };
  return html`
    ${field("Name", html`<input name="name" required maxlength="120" value="${p?.name ?? ""}">`)}
    ${field("Site URL", html`<input name="url" type="url" required placeholder="https://shop.example.com" value="${p?.url ?? ""}">`)}
    ${field("Commission", html`<select name="commissionType">${option("percent", "percent of each payment", commission.type)}${option("fixed", "fixed amount per payment", commission.type)}</select>`)}
    ${field("Percent, or amount in minor units (500 = $5.00)", html`<input name="commissionValue" class="short" type="number" min="0" step="any" required value="${commission.type === "percent" ? commission.percent : commission.amount}">`)}
    ${field("Currency (fixed only)", html`<input name="currency" class="short" value="${commission.type === "fixed" ? commission.currency : "usd"}" maxlength="3">`)}
    ${field("Cookie days", html`<input name="cookieDays" class="short" type="number" min="1" max="730" value="${p?.cookieDays ?? 60}" required>`)}
    ${field("Hold days", html`<input name="holdDays" class="short" type="number" min="0" max="365" value="${p?.holdDays ?? 30}" required>`)}
    ${field("Recurring payments", html`<select name="recurring">${option("once", "first payment only", recurring.type)}${option("months", "for some months", recurring.type)}${option("lifetime", "every payment", recurring.type)}</select>`)}
    ${field("Months (if some)", html`<input name="months" class="short" type="number" min="1" max="120" value="${recurring.type === "months" ? recurring.months : 12}">`)}
    ${field("Attribution", html`<select name="attribution">${option("last", "last click wins", p?.attribution ?? "last")}${option("first", "first click wins", p?.attribution ?? "last")}</select>`)}
    ${field("Joining", html`<select name="join">${option("invite", "by invitation only", p?.join ?? "invite")}${option("approval", "anyone, after my approval", p?.join ?? "invite")}${option("open", "anyone, at once", p?.join ?? "invite")}</select>`)}
    ${field("Minimum payout, minor units (5000 = $50.00)", html`<input name="minPayout" class="short" type="number" min="0" step="1" value="${p?.minPayout ?? 0}">`)}
    <label class="check"><input type="checkbox" name="allowSelfReferral" value="yes"${p?.allowSelfReferral ? html` checked` : null}> Pay commission on an affiliate's own purchases</label>`;
}
