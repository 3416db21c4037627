import { formatMoney } from "./money-format.js";
import type { Program } from "./types.js";

/** A program's terms as an affiliate reads them: "30% of each payment, on the first payment, 60-day cookie". */
export function describeTerms(p: Pick<Program, "commission" | "recurring" | "cookieDays">): { commission: string; recurring: string; window: string } {
  return {
    commission: p.commission.type === "percent" ? `${p.commission.percent}% of each payment` : `${formatMoney(p.commission.amount, p.commission.currency)} per payment`,
    recurring: p.recurring.type === "once" ? "on the first payment" : p.recurring.type === "months" ? `on payments for ${p.recurring.months} months` : "on every payment",
    window: `${p.cookieDays}-day cookie`,
  };
}
