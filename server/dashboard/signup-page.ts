import { html, type Html } from "./html.js";

// Creating an account from the browser. The result page is the same whether the email was new or
// had an account already (the API answers both alike, so the page must too): it shows the key once
// and asks to sign in, instead of signing a new account in and so telling the two cases apart.

export interface SignupForm {
  email?: string;
  workspace?: string;
  /** field → what is wrong with it */
  fields?: Record<string, string>;
  /** a sentence for the whole form (rate limit, busy) */
  message?: string;
}

const LABELS: Record<string, string> = { email: "Email", password: "Password", workspace: "Workspace" };

export function signupPage(form: SignupForm = {}): Html {
  const problems = Object.entries(form.fields ?? {}).map(([field, why]) => html`<li>${LABELS[field] ?? field} ${why}.</li>`);
  return html`
    <h1>Create your Icodrip account</h1>
    <p class="muted">A workspace holds your programs, affiliates and Stripe connection. You can invite nobody yet; one member per workspace.</p>
    ${form.message ? html`<p class="notice bad" role="alert">${form.message}</p>` : null}
    ${problems.length > 0 ? html`<div class="notice bad" role="alert"><p>Please fix:</p><ul>${problems}</ul></div>` : null}
    <form method="post" action="/signup">
      <p><label>Email<br><input type="email" name="email" autocomplete="username" required value="${form.email ?? ""}"></label></p>
      <p><label>Password (at least 10 characters)<br><input type="password" name="password" autocomplete="new-password" minlength="10" required></label></p>
      <p><label>Workspace name<br><input name="workspace" autocomplete="organization" required value="${form.workspace ?? ""}" placeholder="My shop"></label></p>
      <p><button type="submit">Create account</button></p>
    </form>
    <p>Have an account? <a href="/login">Sign in</a>.</p>`;
}

export function signupClosedPage(): Html {
  return html`
    <h1>Signup is closed</h1>
    <p>This Icodrip server does not take new accounts. Ask its operator for one (they open signup with <code>ICODRIP_SIGNUP=open</code>).</p>
    <p><a href="/login">Sign in</a></p>`;
}

/** After signup: the API key once, and the sign-in form with the email filled in. */
export function signedUpPage(v: { email: string; workspace: string; apiKey: string }): Html {
  return html`
    <h1>Workspace “${v.workspace}” is ready</h1>
    <p class="notice ok" role="status">Sign in below to open the dashboard.</p>
    <h2>Your API key</h2>
    <p>For scripts and your backend (<code>Authorization: Bearer …</code>). It is shown this once; Settings › Account makes new ones.</p>
    <p><code id="api-key" class="url">${v.apiKey}</code></p>
    <h2>Sign in</h2>
    <form method="post" action="/session">
      <input type="hidden" name="next" value="/dashboard">
      <p><label>Email<br><input type="email" name="email" autocomplete="username" required value="${v.email}"></label></p>
      <p><label>Password<br><input type="password" name="password" autocomplete="current-password" required></label></p>
      <p><button type="submit">Sign in</button></p>
    </form>`;
}
