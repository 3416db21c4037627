// The layout's one button. Signing out is a DELETE on /session (the cookie is HttpOnly, so only
// the server can clear it), then the login form.
export const LAYOUT_SCRIPT = `
document.getElementById("sign-out").addEventListener("click", async () => {
  await fetch("/session", { method: "DELETE" });
  location.assign("/login");
});
`;
