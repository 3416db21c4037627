import "./layout.js";
import { element, errorOf, request, text } from "./page.js";

// The Payouts tab's script: "Create payouts" runs a payout run, "Mark paid" and "Cancel" change
// one payout, each through the JSON API with the session cookie (the browser adds Origin, which
// the API checks); success reloads the page to show the result, failure shows the API's sentence.

const message = element("payouts-message", HTMLElement);
const errorBox = element("action-error", HTMLElement);

async function failed(res: Response | null, what: string, box: HTMLElement): Promise<void> {
  const error = res ? await errorOf(res) : null;
  box.textContent = error?.message ?? `${what} did not work${res ? ` (HTTP ${String(res.status)})` : ""}; try again.`;
  box.hidden = false;
}

document.getElementById("create-payouts")?.addEventListener("click", (event) => {
  const button = event.currentTarget as HTMLButtonElement;
  button.disabled = true;
  message.textContent = "Creating payouts…";
  void request("POST", "/api/v1/payouts", {})
    .catch(() => null)
    .then(async (res) => {
      if (res?.ok) {
        const { data } = (await res.json()) as { data: unknown[] };
        // The count survives the reload in the URL's hash, for the status line to say.
        location.hash = `made-${String(data.length)}`;
        location.reload();
        return;
      }
      button.disabled = false;
      message.textContent = "";
      await failed(res, "Creating payouts", errorBox);
    });
});

const made = /^#made-(\d+)$/.exec(location.hash);
if (made) message.textContent = made[1] === "1" ? "1 payout created." : `${made[1]} payouts created.`;

document.addEventListener("submit", (event) => {
  const form = event.target instanceof HTMLFormElement && event.target.matches("form.mark-paid") ? event.target : null;
  if (!form) return;
  event.preventDefault();
  const reference = text(new FormData(form), "reference").trim();
  const id = encodeURIComponent(form.dataset.payout ?? "");
  void request("POST", `/api/v1/payouts/${id}/paid`, reference ? { reference } : {})
    .catch(() => null)
    .then(async (res) => {
      if (res?.ok) location.reload();
      else await failed(res, "Marking the payout paid", errorBox);
    });
});

document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("button[data-cancel]") : null;
  if (!(button instanceof HTMLButtonElement)) return;
  if (!confirm("Cancel this payout? Its commissions are due again and go into the next payouts you create.")) return;
  void request("POST", `/api/v1/payouts/${encodeURIComponent(button.dataset.cancel ?? "")}/cancel`)
    .catch(() => null)
    .then(async (res) => {
      if (res?.ok) location.reload();
      else await failed(res, "Canceling the payout", errorBox);
    });
});
