import { element, localizeTimes } from "./page.js";

// Times in the reader's zone, on every page.
localizeTimes(document);

// The layout's one button. Signing out is a DELETE on /session (the cookie is HttpOnly, so only
// the server can clear it), then the login form. Every page loads this, the pages' own scripts
// by importing it.

async function signOut(): Promise<void> {
  await fetch("/session", { method: "DELETE" });
  location.assign("/login");
}

element("sign-out", HTMLButtonElement).addEventListener("click", () => {
  void signOut();
});
