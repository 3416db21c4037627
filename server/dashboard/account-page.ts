import type { ApiKey, Member } from "../domain/types.js";
import { formatTime } from "./format.js";
import { html, type Html } from "./html.js";

// Settings > Account: change the password (which signs out every other session), sign out
// everywhere, and list, create and delete the workspace's API keys. The buttons call the JSON
// API with the session cookie (account-script.ts); a new key is shown once, by the script.

export interface AccountView {
  member: Member;
  apiKeys: ApiKey[];
}

function keyRow(k: ApiKey): Html {
  return html`<tr>
    <td data-label="Key"><code>${k.prefix}…</code></td>
    <td class="muted" data-label="Id">${k.id}</td>
    <td data-label="Created">${formatTime(k.createdAt)}</td>
    <td data-label="Action"><button class="secondary" data-delete-key="${k.id}" data-prefix="${k.prefix}">Delete</button></td>
  </tr>`;
}

export function accountPage(v: AccountView): Html {
  return html`
    <h1>Settings › Account</h1>
    <p class="notice bad" role="alert" id="action-error" hidden></p>
    <p class="notice ok" role="status" id="action-done" hidden></p>

    <h2>Password</h2>
    <p>Changing your password signs you out of every other browser; this one stays signed in.</p>
    <form id="password">
      <input type="email" name="username" value="${v.member.email}" autocomplete="username" hidden>
      <p><label>Current password<br><input type="password" name="currentPassword" autocomplete="current-password" required></label></p>
      <p><label>New password (at least 10 characters)<br><input type="password" name="newPassword" autocomplete="new-password" minlength="10" required></label></p>
      <p><button type="submit">Change password</button></p>
    </form>

    <h2>Sessions</h2>
    <p>Signs this account out of every browser where it is signed in, this one too.</p>
    <p><button class="secondary" id="sign-out-everywhere">Sign out everywhere</button></p>

    <h2>API keys</h2>
    <p>Programs call the API with <code>Authorization: Bearer &lt;key&gt;</code>. A deleted key stops working at once;
      you can delete the last one too, since you can always create a new one here.</p>
    <div id="new-key" class="notice ok" hidden><p>Your new API key; copy it now, it is not shown again:</p><p><code id="new-key-value"></code></p></div>
    ${v.apiKeys.length > 0
      ? html`<div class="scroll"><table class="stack">
          <thead><tr><th>Key</th><th>Id</th><th>Created</th><th></th></tr></thead>
          <tbody>${v.apiKeys.map(keyRow)}</tbody>
        </table></div>`
      : html`<p class="muted">This workspace has no API key.</p>`}
    <p><button id="create-key">Create API key</button></p>`;
}
