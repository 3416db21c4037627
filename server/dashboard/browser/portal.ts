import type { PayoutMethodBody, PortalLinkBody } from "./api-types.js";
import { element, errorOf, localizeTimes, request, text } from "./page.js";

// The affiliates' portal page: copy a link, add a link to another page of the site, save the
// payout method, sign out. Each change goes to /portal/api with the portal cookie (the browser
// adds Origin, which the portal checks) and reloads the page to show the result.

localizeTimes(document);
const errorBox = document.getElementById("portal-error");

function show(message: string): void {
  if (errorBox) {
    errorBox.textContent = message;
    errorBox.hidden = false;
  } else {
    alert(message);
  }
}

async function send(method: string, path: string, body: object | undefined, failed: string): Promise<void> {
  const res = await request(method, path, body).catch(() => null);
  if (res?.ok) {
    location.reload();
    return;
  }
  const error = res ? await errorOf(res) : null;
  show(error?.message || `${failed}${res ? ` (HTTP ${String(res.status)})` : ""}; try again.`);
}

document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("button[data-copy]") : null;
  if (!(button instanceof HTMLButtonElement)) return;
  void navigator.clipboard.writeText(button.dataset.copy ?? "").then(
    () => (button.textContent = "Copied"),
    () => show("Copying did not work here; select the link and copy it by hand."),
  );
});

document.getElementById("portal-sign-out")?.addEventListener("click", () => {
  void fetch("/portal/api/logout", { method: "POST" }).then(() => location.assign("/portal/login"));
});

document.getElementById("add-link")?.addEventListener("submit", (event) => {
  event.preventDefault();
  const path = text(new FormData(element("add-link", HTMLFormElement)), "path").trim();
  const body: PortalLinkBody = path ? { path } : {};
  void send("POST", "/portal/api/links", body, "Adding the link did not work");
});

document.getElementById("payout-method")?.addEventListener("submit", (event) => {
  event.preventDefault();
  const data = new FormData(element("payout-method", HTMLFormElement));
  const type = text(data, "type");
  const body: PayoutMethodBody = type === "bank" ? { type: "bank", details: text(data, "details") } : { type: type === "wise" ? "wise" : "paypal", email: text(data, "email") };
  void send("PUT", "/portal/api/payout-method", body, "Saving the payout method did not work");
});
