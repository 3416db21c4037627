import { html, type Html } from "./html.js";

const MESSAGES: Record<string, string> = {
  invalid_credentials: "The email or password is wrong; check both and try again.",
  rate_limited: "Too many sign-in attempts from this address; wait a minute and try again.",
  busy: "The server is busy checking other sign-ins; try again in a moment.",
};

/** The sign-in form; it posts to /session, which redirects to `next` on success. */
export function loginPage(query: { error?: string; next: string; signupOpen?: boolean }): Html {
  const message = query.error ? (MESSAGES[query.error] ?? "Signing in did not work; try again.") : null;
  return html`
    <h1>Sign in to Icodrip</h1>
    ${message ? html`<p class="notice bad" role="alert">${message}</p>` : null}
    <form method="post" action="/session">
      <input type="hidden" name="next" value="${query.next}">
      <p><label>Email<br><input type="email" name="email" autocomplete="username" required></label></p>
      <p><label>Password<br><input type="password" name="password" autocomplete="current-password" required></label></p>
      <p><button type="submit">Sign in</button></p>
    </form>
    ${query.signupOpen ? html`<p>New to Icodrip? <a href="/signup">Create an account</a>.</p>` : null}`;
}
