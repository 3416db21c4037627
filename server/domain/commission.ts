import { normalizeCurrency } from "./currency.js";
import { MoneyError, requireMinorUnits } from "./money-error.js";
import { percentOf } from "./percent.js";
import type { CommissionRule, Money } from "./types.js";

/**
 * What a sale earns its affiliate before refunds. A percent is paid in the sale's currency; a
 * fixed amount is paid as the program set it, whatever currency the customer paid in.
 */
export function commissionFor(rule: CommissionRule, sale: Money): Money {
  switch (rule.type) {
    case "percent":
      return { amount: percentOf(sale.amount, rule.percent), currency: normalizeCurrency(sale.currency) };
    case "fixed":
      return { amount: requireMinorUnits(rule.amount, "A fixed commission"), currency: normalizeCurrency(rule.currency) };
    default:
      throw new MoneyError("invalid_rule", `Unknown commission type "${String((rule as { type?: unknown }).type)}"; a program's commission is {"type":"percent"} or {"type":"fixed"}.`);
  }
}
