// The Affiliates tab's script: each form becomes a JSON request to the API it is named after,
// sent with the session cookie (the browser adds Origin, which the API checks); success reloads
// the page to show the new record, failure shows the API's own sentence and the fields it
// named. Copy buttons put a tracking link on the clipboard. Nothing from the data is
// interpolated here: values come from the page's escaped attributes and inputs.
export const AFFILIATES_SCRIPT = `
const number = (value) => (value === null || value === "" ? undefined : Number(value));
const bodies = {
  programs: (d) => ({
    name: d.get("name"),
    url: d.get("url"),
    cookieDays: number(d.get("cookieDays")),
    holdDays: number(d.get("holdDays")),
    commission: d.get("commissionType") === "fixed"
      ? { type: "fixed", amount: number(d.get("commissionValue")), currency: String(d.get("currency") || "").trim().toLowerCase() }
      : { type: "percent", percent: number(d.get("commissionValue")) },
    recurring: d.get("recurring") === "months" ? { type: "months", months: number(d.get("months")) } : { type: d.get("recurring") },
  }),
  affiliates: (d) => ({ programId: d.get("programId"), name: d.get("name"), email: d.get("email"), code: d.get("code") || undefined }),
  links: (d) => ({ affiliateId: d.get("affiliateId"), path: d.get("path") || undefined }),
};

for (const form of document.querySelectorAll("form[data-create]")) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const errorBox = form.querySelector("[data-error]");
    const button = form.querySelector("button[type=submit]");
    errorBox.hidden = true;
    button.disabled = true;
    const res = await fetch("/api/v1/" + form.dataset.create, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(bodies[form.dataset.create](new FormData(form))),
    }).catch(() => null);
    button.disabled = false;
    if (res && res.ok) return location.assign(location.pathname);
    const error = (res && (await res.json().catch(() => null))?.error) || null;
    // The fields say what is wrong with each input, unless they only repeat the message.
    const fields = error && error.fields
      ? Object.entries(error.fields).filter(([, problem]) => problem !== error.message).map(([name, problem]) => name + " " + problem).join("; ")
      : "";
    errorBox.textContent = (error ? error.message : "Saving did not work" + (res ? " (HTTP " + res.status + ")" : "") + "; try again.") + (fields ? " " + fields + "." : "");
    errorBox.hidden = false;
  });
}

const status = document.getElementById("copied");
async function copy(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // No clipboard API (a plain-http page that is not localhost): copy through a selected field.
    const field = document.createElement("textarea");
    field.value = text;
    document.body.append(field);
    field.select();
    const done = document.execCommand("copy");
    field.remove();
    return done;
  }
}
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const done = await copy(button.dataset.copy);
  status.textContent = done ? "Copied " + button.dataset.copy : "Copying did not work; select the link and copy it by hand.";
});
`;
