import type { FormBody, ProgramCreateBody } from "./api-types.js";
import { number, text } from "./page.js";

// A program's settings as the server's program-form.ts renders them, read into the body the
// API parses: the Programs tab's create form and every program's edit form (record-actions.ts).

type Recurring = FormBody<ProgramCreateBody>["recurring"];

function recurring(d: FormData): Recurring {
  const type = text(d, "recurring");
  if (type === "months") return { type: "months", months: number(text(d, "months")) };
  return type === "lifetime" ? { type: "lifetime" } : { type: "once" };
}

const join = (value: string): FormBody<ProgramCreateBody>["join"] => (value === "open" || value === "approval" ? value : "invite");

/** Every field the form has, typed as creation takes them; an update takes the same (all optional there). */
export function programBody(d: FormData): FormBody<ProgramCreateBody> {
  return {
    name: text(d, "name"),
    url: text(d, "url"),
    cookieDays: number(text(d, "cookieDays")),
    holdDays: number(text(d, "holdDays")),
    commission:
      text(d, "commissionType") === "fixed"
        ? { type: "fixed", amount: number(text(d, "commissionValue")), currency: text(d, "currency").trim().toLowerCase() }
        : { type: "percent", percent: number(text(d, "commissionValue")) },
    recurring: recurring(d),
    attribution: text(d, "attribution") === "first" ? "first" : "last",
    join: join(text(d, "join")),
    minPayout: number(text(d, "minPayout")),
    // An unticked box sends nothing: that is false, not "leave as it was".
    allowSelfReferral: d.get("allowSelfReferral") !== null,
  };
}
