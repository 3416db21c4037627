import type { Affiliate, Link, Program } from "../domain/types.js";
import { dash, formatTime } from "./format.js";
import { html, type Html } from "./html.js";
import { field, formError } from "./program-form.js";
import { terms } from "./programs-page.js";
import { affiliateActions, linkActions } from "./record-actions.js";

// The Affiliates tab, the merchant's side of the portal: each program's affiliates with their
// status, last sign-in, payout method (its type only), tracking links and promotion codes, and
// the buttons that approve, disable, edit or delete them (record-actions.ts); then the forms that
// add an affiliate, a link and a promotion code (through the JSON API). Programs themselves are
// on the Programs tab.

export interface AffiliatesView {
  publicUrl: string;
  programs: Program[];
  affiliatesOf: Map<string, Affiliate[]>;
  /** tracking links with their URLs by affiliate id */
  linksOf: Map<string, { link: Link; url: string }[]>;
  /** promotion codes tied to each affiliate */
  codesOf: Map<string, { id: string; code: string; stripePromotionCodeId: string | null }[]>;
  /** some list was longer than the page reads */
  truncated: boolean;
}

function linkList(links: { link: Link; url: string }[] | undefined): Html {
  if (!links || links.length === 0) return dash;
  return html`<ul class="links">${links.map(
    ({ link: l, url }) => html`<li><code class="url">${url}</code> <button type="button" class="secondary small" data-copy="${url}" aria-label="Copy ${url}">Copy</button>${l.path ? html` <span class="muted">→ ${l.path}</span>` : null}${l.status === "disabled" ? html` <span class="badge red">disabled</span>` : null}
      ${linkActions(l, url)}</li>`,
  )}</ul>`;
}

const STATUS_COLOUR: Record<Affiliate["status"], string> = { active: "badge green", pending: "badge amber", disabled: "badge red" };

/** The type of payout method only: the details (emails, bank accounts) stay in the API and the portal. */
const payoutMethodOf = (a: Affiliate): Html =>
  a.payoutMethod ? html`<span>${a.payoutMethod.type === "bank" ? "bank transfer" : a.payoutMethod.type === "paypal" ? "PayPal" : "Wise"}</span>` : html`<span class="muted">not set</span>`;

function codeList(codes: AffiliatesView["codesOf"] extends Map<string, infer T> ? T | undefined : never): Html {
  if (!codes || codes.length === 0) return dash;
  return html`<ul class="links">${codes.map(
    (c) => html`<li><code>${c.code}</code>${c.stripePromotionCodeId ? html` <span class="muted">${c.stripePromotionCodeId}</span>` : null} <button type="button" class="secondary small" data-untie="${c.id}" aria-label="Stop attributing ${c.code}">Remove</button></li>`,
  )}</ul>`;
}

function programSection(p: Program, v: AffiliatesView): Html {
  const affiliates = v.affiliatesOf.get(p.id) ?? [];
  return html`<section aria-labelledby="program-${p.id}">
    <h2 id="program-${p.id}">${p.name}${p.status === "disabled" ? html` <span class="badge red">disabled</span>` : null}</h2>
    <p class="muted"><span class="url">${p.url}</span> · ${terms(p)} · <a href="/dashboard/programs#program-${p.id}">snippet and settings</a></p>
    ${affiliates.length === 0
      ? html`<p class="muted">No affiliates yet; add one below.</p>`
      : html`<div class="scroll"><table class="affiliates">
          <thead><tr><th scope="col">Affiliate</th><th scope="col">Email</th><th scope="col">Code</th><th scope="col">Status</th><th scope="col">Last sign-in</th><th scope="col">Payout method</th><th scope="col">Tracking links</th><th scope="col">Promotion codes</th><th scope="col">Actions</th></tr></thead>
          <tbody>${affiliates.map(
            (a) => html`<tr>
              <td data-label="Affiliate"><a href="/dashboard/affiliates/${a.id}">${a.name}</a></td><td data-label="Email">${a.email}</td><td data-label="Code"><code>${a.code}</code></td>
              <td data-label="Status"><span class="${STATUS_COLOUR[a.status]}">${a.status}</span></td>
              <td data-label="Last sign-in">${a.lastSignInAt ? formatTime(a.lastSignInAt) : html`<span class="muted">never</span>`}</td>
              <td data-label="Payout method">${payoutMethodOf(a)}</td>
              <td data-label="Tracking links">${linkList(v.linksOf.get(a.id))}</td>
              <td data-label="Promotion codes">${codeList(v.codesOf.get(a.id))}</td>
              <td data-label="Actions">${affiliateActions(a)}</td>
            </tr>`,
          )}</tbody>
        </table></div>`}
  </section>`;
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
      ? html`<p>No programs yet. <a href="/dashboard/programs">Add a program on the Programs tab</a> first; affiliates join a program.</p>`
      : v.programs.map((p) => programSection(p, v))}
    ${v.programs.length > 0 ? affiliateForm(v) : null}
    ${linkForm(v)}
    ${promoCodeForm(v)}`;
}
