import { currencyDecimals } from "../domain/currency.js";

// CSV as spreadsheets read it (RFC 4180: comma-separated, CRLF lines, fields quoted when they hold
// a comma, a quote or a line break, quotes doubled). A cell that starts with =, +, -, @, a tab or
// a carriage return would run as a formula when the file is opened in a spreadsheet (a customer
// email such as =HYPERLINK(…) is anyone's to choose), so such text gets a leading apostrophe.

export type Cell = string | number | boolean | null;

function field(value: Cell): string {
  if (value === null) return "";
  let text = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(cells: Cell[]): string {
  return `${cells.map(field).join(",")}\r\n`;
}

/** An amount in minor units as the currency writes it in major units: 4900 usd → 49.00, 500 jpy → 500. */
export function majorUnits(amount: number, currency: string): string {
  const decimals = currencyDecimals(currency);
  const sign = amount < 0 ? "-" : "";
  const digits = String(Math.abs(amount)).padStart(decimals + 1, "0");
  return decimals === 0 ? `${sign}${digits}` : `${sign}${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
}
