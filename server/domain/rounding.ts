import { MoneyError } from "./money-error.js";

/**
 * value × numerator ÷ denominator, rounded half up, for non-negative integers.
 *
 * BigInt because the product of a large amount and a basis-point rate passes 2^53, where a
 * double would drop the last minor unit; and integer division because 0.5 is only exact here.
 */
export function mulDivHalfUp(value: number, numerator: number, denominator: number): number {
  for (const n of [value, numerator, denominator]) {
    if (!Number.isSafeInteger(n) || n < 0) throw new MoneyError("invalid_amount", `Money arithmetic takes whole numbers of 0 or more; got ${String(n)}.`);
  }
  if (denominator === 0) throw new MoneyError("invalid_amount", "Cannot divide an amount by 0.");
  const result = (2n * BigInt(value) * BigInt(numerator) + BigInt(denominator)) / (2n * BigInt(denominator));
  if (result > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new MoneyError("amount_too_large", `The result ${result} is larger than Icodrip can hold exactly (${Number.MAX_SAFE_INTEGER} minor units).`);
  }
  return Number(result);
}
