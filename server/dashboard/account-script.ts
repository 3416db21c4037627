// The account page's buttons call the JSON API with the session cookie (Sign out is the
// layout's). No data is interpolated here: key ids come through escaped data- attributes, and
// a new key is put on the page as text.
export const ACCOUNT_SCRIPT = `
const errorBox = document.getElementById("action-error");
const doneBox = document.getElementById("action-done");
async function call(method, path, body) {
  errorBox.hidden = true;
  doneBox.hidden = true;
  const res = await fetch(path, {
    method,
    headers: body ? { "content-type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  if (res.ok) return res.status === 204 ? {} : res.json();
  const answer = await res.json().catch(() => null);
  errorBox.textContent = (answer && answer.error && answer.error.message) || "Something went wrong (HTTP " + res.status + "); try again.";
  errorBox.hidden = false;
  return null;
}
document.getElementById("password").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const done = await call("POST", "/api/v1/password", { currentPassword: form.get("currentPassword"), newPassword: form.get("newPassword") });
  if (!done) return;
  event.target.reset();
  doneBox.textContent = "Password changed; every other session is signed out.";
  doneBox.hidden = false;
});
document.getElementById("sign-out-everywhere").addEventListener("click", async () => {
  if (!confirm("Sign out of every browser, this one too?")) return;
  if (await call("DELETE", "/api/v1/sessions")) location.assign("/login");
});
document.getElementById("create-key").addEventListener("click", async () => {
  const created = await call("POST", "/api/v1/api-keys");
  if (!created) return;
  document.getElementById("new-key-value").textContent = created.apiKey;
  document.getElementById("new-key").hidden = false;
});
for (const button of document.querySelectorAll("[data-delete-key]")) {
  button.addEventListener("click", async () => {
    if (!confirm("Delete the key " + button.dataset.prefix + "…? Programs using it stop working at once.")) return;
    if (await call("DELETE", "/api/v1/api-keys/" + encodeURIComponent(button.dataset.deleteKey))) location.assign(location.pathname);
  });
}
`;
