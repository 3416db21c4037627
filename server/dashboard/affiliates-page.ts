import type { Affiliate, Program } from "../domain/types.js";
import { dash, formatMoney } from "./format.js";
import { html, type Html } from "./html.js";

// The Affiliates tab: each program with its snippet tag, its affiliates and their tracking links,
// then the forms that create a program, an affiliate and a link (through the JSON API).

export interface AffiliatesView {
  publicUrl: string;
  programs: Program[];
  affiliatesOf: Map<string, Affiliate[]>;
  /** tracking link URLs by affiliate id */
  linksOf: Map<string, { url: string; path: string | null }[]>;
  /** promotion codes tied to each affiliate */
  codesOf: Map<string, { id: string; code: string; stripePromotionCodeId: string | null }[]>;
  /** some list was longer than the page reads */
  truncated: boolean;
}

function terms(p: Program): string {
  const commission = p.commission.type === "percent" ? `${p.commission.percent}%` : formatMoney(p.commission.amount, p.commission.currency);
  const recurring =
    p.recurring.type === "once" ? "on the first payment" : p.recurring.type === "months" ? `on payments for ${p.recurring.months} months` : "on every payment";
  return `${commission} commission ${recurring} · ${p.cookieDays}-day cookie · ${p.holdDays}-day hold · ${p.attribution} click wins`;
}

function linkList(links: { url: string; path: string | null }[] | undefined): Html {
  if (!links || links.length === 0) return dash;
  return html`<ul class="links">${links.map(
    (l) => html`<li><code class="url">${l.url}</code> <button type="button" class="secondary small" data-copy="${l.url}" aria-label="Copy ${l.url}">Copy</button>${l.path ? html` <span class="muted">→ ${l.path}</span>` : null}</li>`,
  )}</ul>`;
}

function codeList(codes: AffiliatesView["codesOf"] extends Map<string, infer T> ? T | undefined : never): Html {
  if (!codes || codes.length === 0) return dash;
  return html`<ul class="links">${codes.map(
    (c) => html`<li><code>${c.code}</code>${c.stripePromotionCodeId ? html` <span class="muted">${c.stripePromotionCodeId}</span>` : null} <button type="button" class="secondary small" data-untie="${c.id}" aria-label="Stop attributing ${c.code}">Remove</button></li>`,
  )}</ul>`;
}

function programSection(p: Program, v: AffiliatesView): Html {
  const affiliates = v.affiliatesOf.get(p.id) ?? [];
  return html`<section aria-labelledby="program-${p.id}">
    <h2 id="program-${p.id}">${p.name}</h2>
    <p class="muted"><span class="url">${p.url}</span> · ${terms(p)}</p>
    <p>Snippet for the site: <code class="url">&lt;script async src="${v.publicUrl}/snippet.js" data-program="${p.key}"&gt;&lt;/script&gt;</code></p>
    ${affiliates.length === 0
      ? html`<p class="muted">No affiliates yet; add one below.</p>`
      : html`<div class="scroll"><table>
          <thead><tr><th scope="col">Affiliate</th><th scope="col">Email</th><th scope="col">Code</th><th scope="col">Status</th><th scope="col">Tracking links</th><th scope="col">Promotion codes</th></tr></thead>
          <tbody>${affiliates.map(
            (a) => html`<tr>
              <td>${a.name}</td><td>${a.email}</td><td><code>${a.code}</code></td>
              <td><span class="${a.status === "active" ? "badge green" : "badge"}">${a.status}</span></td>
              <td>${linkList(v.linksOf.get(a.id))}</td>
              <td>${codeList(v.codesOf.get(a.id))}</td>
            </tr>`,
          )}</tbody>
        </table></div>`}
  </section>`;
}

const field = (label: string, control: Html) => html`<label>${label} ${control}</label>`;
const formError = html`<p class="notice bad" role="alert" data-error hidden></p>`;

function programForm(): Html {
  return html`<h2>Add a program</h2>
    <form class="create" data-create="programs">
      ${field("Name", html`<input name="name" required maxlength="120">`)}
      ${field("Site URL", html`<input name="url" type="url" required placeholder="https://shop.example.com">`)}
      ${field("Commission", html`<select name="commissionType"><option value="percent">percent of each payment</option><option value="fixed">fixed amount per payment</option></select>`)}
      ${field("Percent, or amount in minor units (500 = $5.00)", html`<input name="commissionValue" class="short" type="number" min="0" step="any" required value="30">`)}
      ${field("Currency (fixed only)", html`<input name="currency" class="short" value="usd" maxlength="3">`)}
      ${field("Cookie days", html`<input name="cookieDays" class="short" type="number" min="1" max="730" value="60" required>`)}
      ${field("Hold days", html`<input name="holdDays" class="short" type="number" min="0" max="365" value="30" required>`)}
      ${field("Recurring payments", html`<select name="recurring"><option value="once">first payment only</option><option value="months">for some months</option><option value="lifetime">every payment</option></select>`)}
      ${field("Months (if some)", html`<input name="months" class="short" type="number" min="1" max="120" value="12">`)}
      <button type="submit">Add program</button>
      ${formError}
    </form>`;
}

function affiliateForm(v: AffiliatesView): Html {
  return html`<h2>Add an affiliate</h2>
    <form class="create" data-create="affiliates">
      ${field("Program", html`<select name="programId" required>${v.programs.map((p) => html`<option value="${p.id}">${p.name}</option>`)}</select>`)}
      ${field("Name", html`<input name="name" required maxlength="120">`)}
      ${field("Email", html`<input name="email" type="email" required>`)}
      ${field("Code (optional)", html`<input name="code" class="short" maxlength="40" placeholder="ann">`)}
      <button type="submit">Add affiliate</button>
      ${formError}
    </form>`;
}

function linkForm(v: AffiliatesView): Html {
  const groups = v.programs.map((p) => ({ p, list: v.affiliatesOf.get(p.id) ?? [] })).filter((g) => g.list.length > 0);
  if (groups.length === 0) return html``;
  return html`<h2>Add a tracking link</h2>
    <form class="create" data-create="links">
      ${field("Affiliate", html`<select name="affiliateId" required>${groups.map(
        (g) => html`<optgroup label="${g.p.name}">${g.list.map((a) => html`<option value="${a.id}">${a.name} (${a.code})</option>`)}</optgroup>`,
      )}</select>`)}
      ${field("Page on the site (optional)", html`<input name="path" placeholder="/pricing">`)}
      <button type="submit">Add link</button>
      ${formError}
    </form>`;
}

function promoCodeForm(v: AffiliatesView): Html {
  const groups = v.programs.map((p) => ({ p, list: v.affiliatesOf.get(p.id) ?? [] })).filter((g) => g.list.length > 0);
  if (groups.length === 0) return html``;
  return html`<h2>Tie a promotion code</h2>
    <p class="muted">A payment whose discount carries this Stripe promotion code (and no click id) becomes the affiliate's conversion.</p>
    <form class="create" data-create="promo-codes">
      ${field("Affiliate", html`<select name="affiliateId" required>${groups.map(
        (g) => html`<optgroup label="${g.p.name}">${g.list.map((a) => html`<option value="${a.id}">${a.name} (${a.code})</option>`)}</optgroup>`,
      )}</select>`)}
      ${field("Code customers type", html`<input name="code" required placeholder="SPRING24">`)}
      ${field("Stripe promotion code id (optional)", html`<input name="stripePromotionCodeId" placeholder="promo_…">`)}
      <button type="submit">Tie code</button>
      ${formError}
    </form>`;
}

export function affiliatesPage(v: AffiliatesView): Html {
  return html`<h1>Affiliates</h1>
    ${v.truncated ? html`<p class="notice warn">This workspace has more programs, affiliates or links than this page shows; the JSON API lists them all.</p>` : null}
    <p role="status" id="copied" class="muted"></p>
    ${v.programs.length === 0
      ? html`<p>No programs yet. A program sets the commission and the cookie window; add one to get a snippet tag for the site.</p>`
      : v.programs.map((p) => programSection(p, v))}
    ${programForm()}
    ${v.programs.length > 0 ? affiliateForm(v) : null}
    ${linkForm(v)}
    ${promoCodeForm(v)}`;
}
