// The integrations page's buttons call the JSON API with the session cookie; the page reloads
// to show the new state, or shows the API's error sentence (Sign out is the layout's). No data
// is interpolated here: the page passes account ids through escaped data- attributes.
export const INTEGRATIONS_SCRIPT = `
const api = "/api/v1/integrations/stripe";
const errorBox = document.getElementById("action-error");
async function call(method, path, body) {
  errorBox.hidden = true;
  const res = await fetch(path, {
    method,
    headers: body ? { "content-type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  if (res.ok) return location.assign(location.pathname);
  const answer = await res.json().catch(() => null);
  errorBox.textContent = (answer && answer.error && answer.error.message) || "Something went wrong (HTTP " + res.status + "); try again.";
  errorBox.hidden = false;
}
document.getElementById("repair")?.addEventListener("click", () => call("POST", api + "/repair-webhooks"));
for (const button of document.querySelectorAll("[data-disconnect]")) {
  button.addEventListener("click", () => {
    if (!confirm("Disconnect " + button.dataset.disconnect + "? Icodrip stops receiving its payments.")) return;
    call("DELETE", api + "/" + encodeURIComponent(button.dataset.disconnect) + "?livemode=" + button.dataset.livemode);
  });
}
document.getElementById("restricted-key").addEventListener("submit", (event) => {
  event.preventDefault();
  call("POST", api, { restrictedKey: new FormData(event.target).get("restrictedKey") });
});
`;
