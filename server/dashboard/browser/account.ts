import "./layout.js";
import type { ApiKeyCreatedOut, PasswordBody } from "./api-types.js";
import { element, errorOf, request, text } from "./page.js";

// The account page's buttons call the JSON API with the session cookie (Sign out is the
// layout's). No data is interpolated into markup: key ids come through escaped data-
// attributes, and a new key is put on the page as text.

const errorBox = element("action-error", HTMLElement);
const doneBox = element("action-done", HTMLElement);

/** The answer of a call that worked; null (with the API's sentence shown) when it failed. */
async function call(method: string, path: string, body?: PasswordBody): Promise<Response | null> {
  errorBox.hidden = true;
  doneBox.hidden = true;
  const res = await request(method, path, body);
  if (res.ok) return res;
  const error = await errorOf(res);
  errorBox.textContent = error?.message || `Something went wrong (HTTP ${String(res.status)}); try again.`;
  errorBox.hidden = false;
  return null;
}

const isCreatedKey = (value: unknown): value is ApiKeyCreatedOut =>
  typeof value === "object" && value !== null && "apiKey" in value && typeof value.apiKey === "string";

const passwordForm = element("password", HTMLFormElement);
async function changePassword(): Promise<void> {
  const form = new FormData(passwordForm);
  const done = await call("POST", "/api/v1/password", { currentPassword: text(form, "currentPassword"), newPassword: text(form, "newPassword") });
  if (!done) return;
  passwordForm.reset();
  doneBox.textContent = "Password changed; every other session is signed out.";
  doneBox.hidden = false;
}
passwordForm.addEventListener("submit", (event) => {
  event.preventDefault();
  void changePassword();
});

async function signOutEverywhere(): Promise<void> {
  if (await call("DELETE", "/api/v1/sessions")) location.assign("/login");
}
element("sign-out-everywhere", HTMLButtonElement).addEventListener("click", () => {
  if (!confirm("Sign out of every browser, this one too?")) return;
  void signOutEverywhere();
});

async function createKey(): Promise<void> {
  const res = await call("POST", "/api/v1/api-keys");
  if (!res) return;
  const created: unknown = await res.json();
  if (!isCreatedKey(created)) return;
  element("new-key-value", HTMLElement).textContent = created.apiKey;
  element("new-key", HTMLElement).hidden = false;
}
element("create-key", HTMLButtonElement).addEventListener("click", () => {
  void createKey();
});

async function deleteKey(id: string): Promise<void> {
  if (await call("DELETE", `/api/v1/api-keys/${encodeURIComponent(id)}`)) location.assign(location.pathname);
}
for (const button of document.querySelectorAll<HTMLElement>("[data-delete-key]")) {
  button.addEventListener("click", () => {
    if (!confirm(`Delete the key ${button.dataset.prefix ?? ""}…? Programs using it stop working at once.`)) return;
    void deleteKey(button.dataset.deleteKey ?? "");
  });
}
