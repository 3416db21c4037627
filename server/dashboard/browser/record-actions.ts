import "./copy.js";
import type { AffiliateUpdateBody, ApiErrorBody, FormBody, LinkUpdateBody, PortalLinkOut, ProgramUpdateBody } from "./api-types.js";
import { errorOf, request, text } from "./page.js";
import { programBody } from "./program-body.js";

// Binds the record actions server/dashboard/record-actions.ts renders, on whatever page imports
// this module: [data-action] buttons (status, delete, portal-link) and [data-edit] forms, each
// naming its record's kind and id in data attributes. Each calls the JSON API with the session
// cookie (the browser adds Origin, which the API checks). A change reloads the page so every
// badge and button shows the record as it now is; a failure shows the API's own sentence next
// to the buttons. Nothing from the data is interpolated into markup: text goes in textContent,
// values in attributes and inputs.

type Kind = "programs" | "affiliates" | "links";
const isKind = (kind: string | undefined): kind is Kind => kind === "programs" || kind === "affiliates" || kind === "links";

const pathOf = (kind: Kind, id: string) => `/api/v1/${kind}/${encodeURIComponent(id)}`;
const reload = () => location.assign(location.pathname + location.search);

/** The API's sentence with the fields it named (unless they only repeat it), or a fallback. */
function sentence(error: ApiErrorBody | null, res: Response | null, doing: string): string {
  if (!error) return `${doing} did not work${res ? ` (HTTP ${String(res.status)})` : ""}; try again.`;
  const fields = Object.entries(error.fields ?? {})
    .filter(([, problem]) => problem !== error.message)
    .map(([name, problem]) => `${name} ${problem}`)
    .join("; ");
  return error.message + (fields ? ` ${fields}.` : "");
}

function show(box: HTMLElement | null, message: string): void {
  if (!box) return;
  box.textContent = message;
  box.hidden = false;
}

// Each body has the type of the schema its route parses, so the two cannot drift apart.
const edits = {
  programs: (d: FormData): FormBody<ProgramUpdateBody> => programBody(d),
  affiliates: (d: FormData): AffiliateUpdateBody => ({ name: text(d, "name"), email: text(d, "email"), code: text(d, "code") }),
  // An emptied path sends the visitor to the site's home.
  links: (d: FormData): LinkUpdateBody => ({ path: text(d, "path").trim() || null }),
} satisfies Record<Kind, (d: FormData) => object>;

/** The portal link's URL, its expiry and a Copy button, built as nodes. */
function showPortalLink(box: HTMLElement, link: PortalLinkOut): void {
  const intro = document.createElement("p");
  intro.textContent = `Single-use sign-in link, valid until ${new Date(link.expiresAt).toLocaleString()} (a newer one voids it):`;
  const url = document.createElement("code");
  url.className = "url";
  url.textContent = link.url;
  const copy = document.createElement("button");
  copy.type = "button";
  copy.className = "secondary small";
  copy.textContent = "Copy";
  copy.dataset.copy = link.url;
  copy.dataset.copyName = "the sign-in link";
  copy.setAttribute("aria-label", "Copy the sign-in link");
  const line = document.createElement("p");
  line.append(url, " ", copy);
  box.replaceChildren(intro, line);
  box.hidden = false;
}

async function act(button: HTMLButtonElement): Promise<void> {
  const { action, kind, id = "", status, confirm: question } = button.dataset;
  if (!isKind(kind)) return;
  const container = button.closest("[data-actions]");
  const errorBox = container?.querySelector<HTMLElement>("[data-action-error]") ?? null;
  const resultBox = container?.querySelector<HTMLElement>("[data-action-result]") ?? null;
  if (errorBox) errorBox.hidden = true;
  let call: Promise<Response>;
  let doing: string;
  if (action === "status" && (status === "active" || status === "disabled")) {
    call = request("PATCH", pathOf(kind, id), { status });
    doing = status === "active" ? "Enabling" : "Disabling";
  } else if (action === "delete") {
    // The sentence says what deleting does to clicks and conversions; nothing happens without a yes.
    if (!confirm(question ?? "Delete this record? This cannot be undone.")) return;
    call = request("DELETE", pathOf(kind, id));
    doing = "Deleting";
  } else if (action === "portal-link" && kind === "affiliates") {
    call = request("POST", `${pathOf(kind, id)}/portal-link`);
    doing = "Making a portal link";
  } else {
    return;
  }
  button.disabled = true;
  const res = await call.catch(() => null);
  button.disabled = false;
  if (res?.ok) {
    if (action === "portal-link" && resultBox) showPortalLink(resultBox, (await res.json()) as PortalLinkOut);
    // A same-origin path only: the attribute is the page's own markup, but a page is no place to leave.
    else if (action === "delete" && button.dataset.after?.startsWith("/")) location.assign(button.dataset.after);
    else reload();
    return;
  }
  show(errorBox, sentence(res ? await errorOf(res) : null, res, doing));
}

async function save(form: HTMLFormElement, kind: Kind): Promise<void> {
  const errorBox = form.querySelector<HTMLElement>("[data-error]");
  const submit = form.querySelector<HTMLButtonElement>("button[type=submit]");
  if (errorBox) errorBox.hidden = true;
  if (submit) submit.disabled = true;
  const res = await request("PATCH", pathOf(kind, form.dataset.id ?? ""), edits[kind](new FormData(form))).catch(() => null);
  if (submit) submit.disabled = false;
  if (res?.ok) {
    reload();
    return;
  }
  show(errorBox, sentence(res ? await errorOf(res) : null, res, "Saving"));
}

document.addEventListener("click", (event) => {
  const target = event.target instanceof Element ? event.target.closest("button[data-action]") : null;
  if (target instanceof HTMLButtonElement) void act(target);
});

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || form.dataset.edit === undefined) return;
  const kind = form.dataset.edit;
  if (!isKind(kind)) return;
  event.preventDefault();
  void save(form, kind);
});
