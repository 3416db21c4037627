import "./layout.js";
import type { RestrictedKeyBody } from "./api-types.js";
import { element, errorOf, request, text } from "./page.js";

// The integrations page's buttons call the JSON API with the session cookie; the page reloads
// to show the new state, or shows the API's error sentence (Sign out is the layout's). No data
// is interpolated into markup: the page passes account ids through escaped data- attributes.

const api = "/api/v1/integrations/stripe";
const errorBox = element("action-error", HTMLElement);

async function call(method: string, path: string, body?: RestrictedKeyBody): Promise<void> {
  errorBox.hidden = true;
  const res = await request(method, path, body);
  if (res.ok) {
    location.assign(location.pathname);
    return;
  }
  const error = await errorOf(res);
  errorBox.textContent = error?.message || `Something went wrong (HTTP ${String(res.status)}); try again.`;
  errorBox.hidden = false;
}

document.getElementById("repair")?.addEventListener("click", () => {
  void call("POST", `${api}/repair-webhooks`);
});
for (const button of document.querySelectorAll<HTMLElement>("[data-disconnect]")) {
  button.addEventListener("click", () => {
    const accountId = button.dataset.disconnect ?? "";
    if (!confirm(`Disconnect ${accountId}? Icodrip stops receiving its payments.`)) return;
    void call("DELETE", `${api}/${encodeURIComponent(accountId)}?livemode=${button.dataset.livemode ?? ""}`);
  });
}
const keyForm = element("restricted-key", HTMLFormElement);
keyForm.addEventListener("submit", (event) => {
  event.preventDefault();
  void call("POST", api, { restrictedKey: text(new FormData(keyForm), "restrictedKey") });
});
