import type { ApiErrorBody } from "./api-types.js";

// Helpers every dashboard script shares (the layout's too, so the bundler keeps them in the
// layout's file, which every page loads anyway).

/** The page's element with this id, of the kind the script expects; a page without it is a bug. */
export function element<T extends Element>(id: string, kind: abstract new () => T): T {
  const found = document.getElementById(id);
  if (!(found instanceof kind)) throw new Error(`The page has no #${id} of the expected kind.`);
  return found;
}

/** The first element under `root` matching `selector`, of the expected kind. */
export function inside<T extends Element>(root: ParentNode, selector: string, kind: abstract new () => T): T {
  const found = root.querySelector(selector);
  if (!(found instanceof kind)) throw new Error(`The page has no ${selector} of the expected kind.`);
  return found;
}

/** A form field's text ("" for a file or a missing field). */
export const text = (data: FormData, name: string): string => {
  const value = data.get(name);
  return typeof value === "string" ? value : "";
};

/** A number input's value; empty is undefined, so the JSON leaves the field out. */
export const number = (value: string): number | undefined => (value === "" ? undefined : Number(value));

/** A JSON request with the session cookie (the browser adds Origin, which the API checks). */
export function request(method: string, path: string, body?: object): Promise<Response> {
  return fetch(path, {
    method,
    headers: body ? { "content-type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
}

function isErrorBody(value: unknown): value is ApiErrorBody {
  if (typeof value !== "object" || value === null) return false;
  const { message, fields } = value as Record<string, unknown>;
  return typeof message === "string" && (fields === undefined || (typeof fields === "object" && fields !== null));
}

/** The API's error from a failed answer; null when the answer is not the API's JSON. */
export async function errorOf(res: Response): Promise<ApiErrorBody | null> {
  const answer: unknown = await res.json().catch(() => null);
  if (typeof answer !== "object" || answer === null || !("error" in answer)) return null;
  return isErrorBody(answer.error) ? answer.error : null;
}

/**
 * Shows every <time datetime> under `root` in the reader's own time zone; the server writes UTC,
 * not knowing the reader's zone, and that stays in the tooltip.
 */
export function localizeTimes(root: ParentNode): void {
  const local = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
  for (const time of root.querySelectorAll<HTMLTimeElement>("time[datetime]")) {
    if (time.dataset.local !== undefined) continue;
    const at = new Date(time.dateTime);
    if (Number.isNaN(at.getTime())) continue;
    if (!time.title) time.title = time.textContent;
    time.textContent = local.format(at);
    time.dataset.local = "";
  }
}

/** A range picker (Overview, an affiliate's page): its dates can be typed only for a custom range. */
export function rangePicker(): void {
  const form = document.querySelector<HTMLFormElement>("form.filters");
  const range = form?.querySelector<HTMLSelectElement>('select[name="range"]');
  if (!form || !range) return;
  const dates = [...form.querySelectorAll<HTMLInputElement>('input[type="date"]')];
  const sync = () => {
    for (const d of dates) d.disabled = range.value !== "custom";
  };
  range.addEventListener("change", sync);
  sync();
}
