import "./layout.js";
import type { AffiliateCreateBody, FormBody, LinkCreateBody, ProgramCreateBody, PromoCodeCreateBody } from "./api-types.js";
import { copyText, element, errorOf, inside, number, request, text } from "./page.js";

// The Affiliates tab's script: each form becomes a JSON request to the API it is named after,
// sent with the session cookie (the browser adds Origin, which the API checks); success reloads
// the page to show the new record, failure shows the API's own sentence and the fields it
// named. Copy buttons put a tracking link on the clipboard. Nothing from the data is
// interpolated into markup: values come from the page's escaped attributes and inputs.

type Recurring = FormBody<ProgramCreateBody>["recurring"];

function recurring(d: FormData): Recurring {
  const type = text(d, "recurring");
  if (type === "months") return { type: "months", months: number(text(d, "months")) };
  return type === "lifetime" ? { type: "lifetime" } : { type: "once" };
}

// Each body has the type of the schema its route parses, so the two cannot drift apart.
const bodies = {
  programs: (d: FormData): FormBody<ProgramCreateBody> => ({
    name: text(d, "name"),
    url: text(d, "url"),
    cookieDays: number(text(d, "cookieDays")),
    holdDays: number(text(d, "holdDays")),
    commission:
      text(d, "commissionType") === "fixed"
        ? { type: "fixed", amount: number(text(d, "commissionValue")), currency: text(d, "currency").trim().toLowerCase() }
        : { type: "percent", percent: number(text(d, "commissionValue")) },
    recurring: recurring(d),
  }),
  affiliates: (d: FormData): AffiliateCreateBody => ({
    programId: text(d, "programId"),
    name: text(d, "name"),
    email: text(d, "email"),
    code: text(d, "code") || undefined,
  }),
  links: (d: FormData): LinkCreateBody => ({ affiliateId: text(d, "affiliateId"), path: text(d, "path") || undefined }),
  "promo-codes": (d: FormData): PromoCodeCreateBody => ({
    affiliateId: text(d, "affiliateId"),
    code: text(d, "code"),
    stripePromotionCodeId: text(d, "stripePromotionCodeId") || undefined,
  }),
};
const isKind = (kind: string | undefined): kind is keyof typeof bodies => kind !== undefined && Object.hasOwn(bodies, kind);

async function create(form: HTMLFormElement, kind: keyof typeof bodies): Promise<void> {
  const errorBox = inside(form, "[data-error]", HTMLElement);
  const button = inside(form, "button[type=submit]", HTMLButtonElement);
  errorBox.hidden = true;
  button.disabled = true;
  const res = await fetch(`/api/v1/${kind}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(bodies[kind](new FormData(form))),
  }).catch(() => null);
  button.disabled = false;
  if (res?.ok) {
    location.assign(location.pathname);
    return;
  }
  const error = res ? await errorOf(res) : null;
  // The fields say what is wrong with each input, unless they only repeat the message.
  const fields = error?.fields
    ? Object.entries(error.fields)
        .filter(([, problem]) => problem !== error.message)
        .map(([name, problem]) => `${name} ${problem}`)
        .join("; ")
    : "";
  const message = error ? error.message : `Saving did not work${res ? ` (HTTP ${String(res.status)})` : ""}; try again.`;
  errorBox.textContent = message + (fields ? ` ${fields}.` : "");
  errorBox.hidden = false;
}

for (const form of document.querySelectorAll<HTMLFormElement>("form[data-create]")) {
  const kind = form.dataset.create;
  if (!isKind(kind)) continue;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void create(form, kind);
  });
}

const status = element("copied", HTMLElement);

async function copyLink(button: HTMLElement): Promise<void> {
  const link = button.dataset.copy ?? "";
  const done = await copyText(link);
  status.textContent = done ? `Copied ${link}` : "Copying did not work; select the link and copy it by hand.";
}

// Untying a code stops attributing by it from then on; conversions it made stay as they are.
async function untie(button: HTMLButtonElement): Promise<void> {
  button.disabled = true;
  const res = await request("DELETE", `/api/v1/promo-codes/${encodeURIComponent(button.dataset.untie ?? "")}`).catch(() => null);
  if (res?.ok) {
    location.assign(location.pathname);
    return;
  }
  button.disabled = false;
  const error = res ? await errorOf(res) : null;
  status.textContent = error?.message ?? "Removing the code did not work; try again.";
}

document.addEventListener("click", (event) => {
  const target = event.target instanceof Element ? event.target : null;
  const copyButton = target?.closest("button[data-copy]");
  if (copyButton instanceof HTMLElement) void copyLink(copyButton);
  const untieButton = target?.closest("button[data-untie]");
  if (untieButton instanceof HTMLButtonElement) void untie(untieButton);
});
