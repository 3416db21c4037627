// The Conversions tab's script. It re-reads the page every two seconds and swaps the table when
// it changed, so a payment Stripe just reported shows up without a reload; it leaves the table
// alone while the merchant is choosing an affiliate in it. "Attribute" posts to the JSON API
// with the session cookie (the browser adds Origin, which the API checks). Nothing from the
// data is interpolated here: the conversion id comes from an escaped data- attribute.
export const CONVERSIONS_SCRIPT = `
const REFRESH_MS = 2000;
const errorBox = document.getElementById("action-error");
const results = () => document.getElementById("results");
const choosing = () => {
  const box = results();
  const focused = box.contains(document.activeElement) && document.activeElement.matches("select, button");
  return focused || [...box.querySelectorAll("select")].some((s) => s.value !== "");
};
let refreshing = false;
async function refresh(force) {
  if (!force && (refreshing || document.hidden || choosing())) return;
  refreshing = true;
  try {
    const res = await fetch(location.href, { headers: { accept: "text/html" } });
    // Redirected means signed out (sent to /login): keep what is shown rather than show the form.
    if (!res.ok || res.redirected) return;
    const fresh = new DOMParser().parseFromString(await res.text(), "text/html").getElementById("results");
    if (fresh && fresh.innerHTML !== results().innerHTML) results().replaceWith(document.adoptNode(fresh));
  } catch {
    // A failed refresh is retried on the next tick.
  } finally {
    refreshing = false;
  }
}
// Older pages hold older payments; only the newest page gains rows.
if (!new URLSearchParams(location.search).has("cursor")) setInterval(() => refresh(false), REFRESH_MS);

document.addEventListener("submit", async (event) => {
  const form = event.target.closest("form.attribute");
  if (!form) return;
  event.preventDefault();
  errorBox.hidden = true;
  const button = form.querySelector("button");
  button.disabled = true;
  const res = await fetch("/api/v1/conversions/" + encodeURIComponent(form.dataset.conversion) + "/attribute", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ affiliateId: new FormData(form).get("affiliateId") }),
  }).catch(() => null);
  button.disabled = false;
  if (res && res.ok) {
    form.reset();
    return refresh(true);
  }
  const answer = res ? await res.json().catch(() => null) : null;
  errorBox.textContent = (answer && answer.error && answer.error.message) || "Attributing did not work" + (res ? " (HTTP " + res.status + ")" : "") + "; try again.";
  errorBox.hidden = false;
});
`;
