import "./layout.js";
import type { AttributeBody } from "./api-types.js";
import { whenChanged } from "./live.js";
import { element, errorOf, inside, localizeTimes, text } from "./page.js";

// The Conversions tab's script. When the workspace's version moves (live.ts: a cheap poll, not a
// re-read of the page) it re-reads the page and swaps the table, so a payment Stripe just
// reported shows up without a reload; it leaves the table alone while the merchant is choosing
// an affiliate in it. "Attribute" posts to the JSON API
// with the session cookie (the browser adds Origin, which the API checks). Nothing from the
// data is interpolated into markup: the conversion id comes from an escaped data- attribute.

const errorBox = element("action-error", HTMLElement);
const results = () => element("results", HTMLElement);

function choosing(): boolean {
  const box = results();
  const active = document.activeElement;
  const focused = active !== null && box.contains(active) && active.matches("select, button");
  return focused || [...box.querySelectorAll("select")].some((s) => s.value !== "");
}

// What the server last sent for the table; the page shows it with times in the reader's zone,
// so the two are compared as sent, not as shown.
let served: string | null = null;
let refreshing = false;
/** Answers whether the table is now current (false: it was busy or the merchant is choosing). */
async function refresh(force: boolean): Promise<boolean> {
  if (!force && (refreshing || choosing())) return false;
  refreshing = true;
  try {
    const res = await fetch(location.href, { headers: { accept: "text/html" } });
    // Redirected means signed out (sent to /login): keep what is shown rather than show the form.
    if (!res.ok || res.redirected) return false;
    const fresh = new DOMParser().parseFromString(await res.text(), "text/html").getElementById("results");
    if (fresh && fresh.innerHTML !== served) {
      served = fresh.innerHTML;
      const node = document.adoptNode(fresh);
      localizeTimes(node);
      results().replaceWith(node);
    }
    return true;
  } catch {
    return false; // tried again when the version is next polled
  } finally {
    refreshing = false;
  }
}
// Older pages hold older payments; only the newest page gains rows.
if (!new URLSearchParams(location.search).has("cursor")) whenChanged(() => refresh(false));

async function attribute(form: HTMLFormElement): Promise<void> {
  errorBox.hidden = true;
  const button = inside(form, "button", HTMLButtonElement);
  button.disabled = true;
  const body: AttributeBody = { affiliateId: text(new FormData(form), "affiliateId") };
  const res = await fetch(`/api/v1/conversions/${encodeURIComponent(form.dataset.conversion ?? "")}/attribute`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  }).catch(() => null);
  button.disabled = false;
  if (res?.ok) {
    form.reset();
    await refresh(true);
    return;
  }
  const error = res ? await errorOf(res) : null;
  errorBox.textContent = error?.message || `Attributing did not work${res ? ` (HTTP ${String(res.status)})` : ""}; try again.`;
  errorBox.hidden = false;
}

document.addEventListener("submit", (event) => {
  const form = event.target instanceof Element ? event.target.closest("form.attribute") : null;
  if (!(form instanceof HTMLFormElement)) return;
  event.preventDefault();
  void attribute(form);
});
