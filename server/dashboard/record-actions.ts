import type { Affiliate, Link, Program } from "../domain/types.js";
import { html, type Html } from "./html.js";
import { field, formError, programFields } from "./program-form.js";

// The buttons and edit forms that change a program, an affiliate or a link: Edit, Disable /
// Enable, Approve / Reject, Portal link, Delete. Any page renders them with these functions and
// loads browser/record-actions.ts (imported by its entry script), which binds every
// [data-action] button and [data-edit] form on the page to the JSON API; the markup carries all
// the script needs (kind, id, action, the status to set, the confirmation sentence), so a page
// needs no code of its own for them.
//
// The confirmation sentences say what the store really does on delete (server/store/store.ts
// deleteProgram, deleteAffiliate, deleteLink; stripe/handlers/referral.ts for later payments).

export type RecordKind = "programs" | "affiliates" | "links";

/** The sentence a Delete button asks to confirm; exported for the tests that click through it. */
export const DELETE_SENTENCES = {
  programs: (p: Pick<Program, "name">) =>
    `Delete the program ${p.name}? Only a program with no affiliates left can be deleted. Its snippet tag and join link stop recording anything (the site keeps working); its conversions stay, with their amounts and commission, and payments that arrive later from its earlier clicks are kept as unattributed conversions. This cannot be undone.`,
  affiliates: (a: Pick<Affiliate, "name">) =>
    `Delete the affiliate ${a.name}? Only an affiliate with no tracking links or promotion codes left can be deleted. Their conversions stay, with their amounts and commission; payments that arrive later from their earlier clicks are kept as unattributed conversions, and they can no longer sign in to the portal. This cannot be undone.`,
  links: (url: string) =>
    `Delete the tracking link ${url}? Visitors who open it from then on see a page saying the link does not exist instead of the site (Disable keeps sending them to the site). The clicks it recorded and their conversions stay, still credited to the affiliate. This cannot be undone.`,
};

interface Button {
  kind: RecordKind;
  id: string;
  /** status: PATCH {status}; delete: DELETE after confirming; portal-link: POST …/portal-link */
  action: "status" | "delete" | "portal-link";
  label: string;
  /** the accessible name, naming the record (a row of buttons all saying "Disable" tells nothing) */
  name: string;
  status?: "active" | "disabled";
  confirm?: string;
  secondary?: boolean;
  /** where the browser goes once the record is deleted (its own page would be gone); absent: the page reloads */
  after?: string;
}

function button(b: Button): Html {
  return html`<button type="button" class="${b.secondary === false ? "small" : "secondary small"}" data-action="${b.action}" data-kind="${b.kind}" data-id="${b.id}"${b.status ? html` data-status="${b.status}"` : null}${b.confirm ? html` data-confirm="${b.confirm}"` : null}${b.after ? html` data-after="${b.after}"` : null} aria-label="${b.name}">${b.label}</button>`;
}

/** A record's actions: the buttons, then where the script says what happened. */
function actions(kind: RecordKind, id: string, parts: (Html | null)[]): Html {
  return html`<div class="actions" data-actions="${kind}:${id}">
    <div class="buttons">${parts}</div>
    <p class="notice bad" role="alert" data-action-error hidden></p>
    <div data-action-result hidden></div>
  </div>`;
}

function editForm(kind: RecordKind, id: string, summary: string, fields: Html): Html {
  return html`<details class="edit"><summary>${summary}</summary>
    <form class="create" data-edit="${kind}" data-id="${id}">
      ${fields}
      <button type="submit">Save</button>
      ${formError}
    </form>
  </details>`;
}

function toggle(kind: RecordKind, id: string, label: string, status: "active" | "disabled" | "pending" | undefined): Html {
  return status === "disabled"
    ? button({ kind, id, action: "status", status: "active", label: "Enable", name: `Enable ${label}` })
    : button({ kind, id, action: "status", status: "disabled", label: "Disable", name: `Disable ${label}` });
}

export function programActions(p: Program): Html {
  return actions("programs", p.id, [
    toggle("programs", p.id, p.name, p.status),
    button({ kind: "programs", id: p.id, action: "delete", label: "Delete", name: `Delete ${p.name}`, confirm: DELETE_SENTENCES.programs(p) }),
  ]);
}

export function programEditForm(p: Program): Html {
  return editForm("programs", p.id, `Edit ${p.name}`, programFields(p));
}

/** Reject disables rather than deletes: the record stays, and the same email cannot apply again. */
export const REJECT_NOTE = "Reject disables the application: they cannot sign in and that email cannot apply again; Delete removes it.";

/** `afterDelete`: where to go once deleted, for a page that is the affiliate's own. */
export function affiliateActions(a: Affiliate, afterDelete?: string): Html {
  const kind = "affiliates";
  const pending = a.status === "pending";
  return actions(kind, a.id, [
    pending ? button({ kind, id: a.id, action: "status", status: "active", label: "Approve", name: `Approve ${a.name}`, secondary: false }) : null,
    pending ? button({ kind, id: a.id, action: "status", status: "disabled", label: "Reject", name: `Reject ${a.name}` }) : toggle(kind, a.id, a.name, a.status),
    // A disabled affiliate cannot sign in (the API answers 409), so there is no link to give.
    a.status === "disabled" ? null : button({ kind, id: a.id, action: "portal-link", label: "Portal link", name: `Portal link for ${a.name}` }),
    button({ kind, id: a.id, action: "delete", label: "Delete", name: `Delete ${a.name}`, confirm: DELETE_SENTENCES.affiliates(a), after: afterDelete }),
    pending ? html`<p class="muted small">${REJECT_NOTE}</p>` : null,
    editForm(
      kind,
      a.id,
      "Edit",
      html`${field("Name", html`<input name="name" required maxlength="120" value="${a.name}">`)}
        ${field("Email", html`<input name="email" type="email" required value="${a.email}">`)}
        ${field("Code", html`<input name="code" class="short" required maxlength="40" value="${a.code}">`)}`,
    ),
  ]);
}

export function linkActions(l: Link, url: string): Html {
  const kind = "links";
  return actions(kind, l.id, [
    toggle(kind, l.id, url, l.status),
    button({ kind, id: l.id, action: "delete", label: "Delete", name: `Delete ${url}`, confirm: DELETE_SENTENCES.links(url) }),
    editForm(kind, l.id, "Edit path", field("Page on the site (empty: home)", html`<input name="path" placeholder="/pricing" value="${l.path ?? ""}">`)),
  ]);
}
