import { errorOf, inside } from "./page.js";

// The tabs' "Add …" forms: each form[data-create=KIND] becomes a JSON POST to /api/v1/KIND, sent
// with the session cookie (the browser adds Origin, which the API checks); success reloads the
// page to show the new record, failure shows the API's own sentence and the fields it named.
// Values come from the page's inputs; nothing is interpolated into markup.

export function bindCreateForms(bodies: Record<string, (d: FormData) => object>): void {
  for (const form of document.querySelectorAll<HTMLFormElement>("form[data-create]")) {
    const kind = form.dataset.create;
    if (kind === undefined || !Object.hasOwn(bodies, kind)) continue;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      void create(form, kind, bodies[kind]);
    });
  }
}

async function create(form: HTMLFormElement, kind: string, body: (d: FormData) => object): Promise<void> {
  const errorBox = inside(form, "[data-error]", HTMLElement);
  const button = inside(form, "button[type=submit]", HTMLButtonElement);
  errorBox.hidden = true;
  button.disabled = true;
  const res = await fetch(`/api/v1/${kind}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body(new FormData(form))),
  }).catch(() => null);
  button.disabled = false;
  if (res?.ok) {
    location.assign(location.pathname);
    return;
  }
  const error = res ? await errorOf(res) : null;
  // The fields say what is wrong with each input, unless they only repeat the message.
  const fields = error?.fields
    ? Object.entries(error.fields)
        .filter(([, problem]) => problem !== error.message)
        .map(([name, problem]) => `${name} ${problem}`)
        .join("; ")
    : "";
  const message = error ? error.message : `Saving did not work${res ? ` (HTTP ${String(res.status)})` : ""}; try again.`;
  errorBox.textContent = message + (fields ? ` ${fields}.` : "");
  errorBox.hidden = false;
}
