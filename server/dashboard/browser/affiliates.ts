import "./layout.js";
import "./record-actions.js";
import type { AffiliateCreateBody, LinkCreateBody, PromoCodeCreateBody } from "./api-types.js";
import { bindCreateForms } from "./create-forms.js";
import { element, errorOf, request, text } from "./page.js";

// The Affiliates tab's script: the "Add …" forms (create-forms.ts), the affiliates' and links'
// buttons (record-actions.ts, which also binds the Copy buttons), and untying a promotion code.

// Each body has the type of the schema its route parses, so the two cannot drift apart.
bindCreateForms({
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
});

const status = element("copied", HTMLElement);

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
  const untieButton = target?.closest("button[data-untie]");
  if (untieButton instanceof HTMLButtonElement) void untie(untieButton);
});
