import type { Program } from "../domain/types.js";
import { formatMoney } from "./format.js";
import { html, type Html } from "./html.js";
import { formError, programFields } from "./program-form.js";
import { programActions, programEditForm } from "./record-actions.js";

// The Programs tab: each program's terms, what the merchant pastes into their site (the snippet
// tag and the checkout middleware), its join link, its edit form and its Disable / Delete
// buttons; then "Add a program". Affiliates, links and promotion codes are on the Affiliates tab.

export interface ProgramsView {
  publicUrl: string;
  programs: Program[];
  /** affiliates per program id, so the page can say why Delete would be refused */
  affiliateCount: Map<string, number>;
  truncated: boolean;
}

export function terms(p: Program): string {
  const commission = p.commission.type === "percent" ? `${p.commission.percent}%` : formatMoney(p.commission.amount, p.commission.currency);
  const recurring =
    p.recurring.type === "once" ? "on the first payment" : p.recurring.type === "months" ? `on payments for ${p.recurring.months} months` : "on every payment";
  return `${commission} commission ${recurring} · ${p.cookieDays}-day cookie · ${p.holdDays}-day hold · ${p.attribution} click wins`;
}

const JOIN_LABEL = { invite: "by invitation only", approval: "anyone may apply; you approve", open: "anyone may join at once" } as const;

export const snippetTag = (publicUrl: string, p: Program) => `<script async src="${publicUrl}/snippet.js" data-program="${p.key}"></script>`;

/** The server side of the checkout, as the middleware's README has it (Express; withReferral for any other framework). */
export const MIDDLEWARE_SNIPPET = `import Stripe from "stripe";
import { referral, wrapStripe } from "icodrip/middleware";

const stripe = wrapStripe(new Stripe(process.env.STRIPE_SECRET_KEY));
app.use(referral()); // reads the snippet's icodrip_ref cookie
// stripe.checkout.sessions.create(…) now carries the visitor's click id`;

/** A block of text to paste, with its Copy button. */
function pasteable(label: string, text: string, name: string): Html {
  return html`<div class="pasteable"><p>${label} <button type="button" class="secondary small" data-copy="${text}" data-copy-name="${name}" aria-label="Copy ${name}">Copy</button></p>
    <pre><code>${text}</code></pre></div>`;
}

const statusBadge = (p: Program) => (p.status === "disabled" ? html`<span class="badge red">disabled</span>` : html`<span class="badge green">active</span>`);

function programSection(p: Program, v: ProgramsView): Html {
  const join = p.join ?? "invite";
  const joinUrl = `${v.publicUrl}/join/${p.key}`;
  const affiliates = v.affiliateCount.get(p.id) ?? 0;
  return html`<section class="program" aria-labelledby="program-${p.id}">
    <h2 id="program-${p.id}">${p.name} ${statusBadge(p)}</h2>
    <p class="muted"><span class="url">${p.url}</span> · ${terms(p)} · joining ${JOIN_LABEL[join]} · minimum payout ${p.minPayout ? `${String(p.minPayout)} minor units` : "none"}</p>
    ${p.status === "disabled" ? html`<p class="notice warn">Disabled: its tracking links still send visitors to the site, but record no click and set no referral; conversions already recorded keep their status.</p>` : null}
    ${pasteable("Snippet for every page of the site:", snippetTag(v.publicUrl, p), `the snippet tag of ${p.name}`)}
    ${pasteable("Middleware for the server that creates Checkout Sessions:", MIDDLEWARE_SNIPPET, `the middleware of ${p.name}`)}
    ${join === "invite"
      ? null
      : html`<p>Join link for would-be affiliates: <code class="url">${joinUrl}</code> <button type="button" class="secondary small" data-copy="${joinUrl}" aria-label="Copy the join link of ${p.name}">Copy</button></p>`}
    <p class="muted">${affiliates === 0 ? "No affiliates yet; add them on the Affiliates tab." : `${String(affiliates)} affiliate${affiliates === 1 ? "" : "s"} (on the Affiliates tab); a program with affiliates cannot be deleted.`}</p>
    ${programActions(p)}
    ${programEditForm(p)}
  </section>`;
}

function programForm(): Html {
  return html`<h2>Add a program</h2>
    <form class="create" data-create="programs">
      ${programFields()}
      <button type="submit">Add program</button>
      ${formError}
    </form>`;
}

export function programsPage(v: ProgramsView): Html {
  return html`<h1>Programs</h1>
    ${v.truncated ? html`<p class="notice warn">This workspace has more programs than this page shows; the JSON API lists them all.</p>` : null}
    <p role="status" id="copied" class="muted"></p>
    ${v.programs.length === 0
      ? html`<p>No programs yet. A program sets the commission and the cookie window; add one to get a snippet tag for the site.</p>`
      : v.programs.map((p) => programSection(p, v))}
    ${programForm()}`;
}
