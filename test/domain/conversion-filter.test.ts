import { describe, expect, it } from "vitest";
import { conversionTotals, matchesConversion, type ConversionFilter } from "../../server/domain/conversion-filter.js";
import { readableAmounts } from "../../server/domain/money-format.js";
import type { Conversion } from "../../server/domain/types.js";
import { conversionFilterQuery } from "../../server/http/conversion-filter.js";

// The rule the conversions list, its CSV export and the Conversions tab share, what they add up
// to, and how old webhook sentences are made readable.

const NOW = Date.parse("2026-11-27T12:00:00Z");
const DAY = 24 * 3600 * 1000;

function conversion(o: Partial<Conversion> = {}): Conversion {
  return {
    id: "cnv_1",
    workspaceId: "ws_1",
    programId: "prg_a",
    affiliateId: "aff_a",
    clickId: "icd_1",
    amount: 4_900,
    currency: "usd",
    baseCommission: { amount: 1_470, currency: "usd" },
    commission: { amount: 1_470, currency: "usd" },
    status: "pending",
    livemode: false,
    matchedBy: "client_reference_id",
    reason: null,
    selfReferral: false,
    refundedAmount: 0,
    customerEmail: "Jane.Doe@Example.com",
    kind: "one_time",
    stripe: { accountId: "acct_1", eventId: "evt_1", checkoutSessionId: null, paymentIntentId: null, invoiceId: null, chargeId: null, customerId: null, subscriptionId: null },
    createdAt: NOW - DAY,
    paidAt: NOW - DAY,
    approvesAt: NOW + 29 * DAY,
    ...o,
  };
}

describe("matchesConversion", () => {
  const c = conversion();
  it.each<[string, ConversionFilter, Partial<Conversion>, boolean]>([
    ["no filter", {}, {}, true],
    ["its program", { programId: "prg_a" }, {}, true],
    ["another program", { programId: "prg_b" }, {}, false],
    ["its affiliate", { affiliateId: "aff_a" }, {}, true],
    ["another affiliate", { affiliateId: "aff_b" }, {}, false],
    ["an affiliate, unattributed row", { affiliateId: "aff_a" }, { affiliateId: null }, false],
    ["test mode", { livemode: false }, {}, true],
    ["live mode", { livemode: true }, {}, false],
    ["email part, other case", { customerEmail: "jane.doe@example" }, {}, true],
    ["email domain", { customerEmail: "@EXAMPLE.COM" }, {}, true],
    ["email padded with spaces", { customerEmail: "  jane " }, {}, true],
    ["another email", { customerEmail: "bob@" }, {}, false],
    ["an email, row without one", { customerEmail: "jane" }, { customerEmail: null }, false],
    ["blank email matches all", { customerEmail: "  " }, { customerEmail: null }, true],
    ["from at its createdAt", { from: NOW - DAY }, {}, true],
    ["from after it", { from: NOW - DAY + 1 }, {}, false],
    ["to at its createdAt", { to: NOW - DAY }, {}, true],
    ["to before it", { to: NOW - DAY - 1 }, {}, false],
    ["pending, hold not passed", { status: "pending" }, {}, true],
    ["approved once the hold passed", { status: "approved" }, { approvesAt: NOW }, true],
    ["pending once the hold passed", { status: "pending" }, { approvesAt: NOW }, false],
    ["reversed", { status: "reversed" }, { status: "reversed" }, true],
    ["all together", { programId: "prg_a", affiliateId: "aff_a", livemode: false, customerEmail: "jane", from: NOW - 2 * DAY, to: NOW, status: "pending" }, {}, true],
    ["all but one", { programId: "prg_a", affiliateId: "aff_a", livemode: true, customerEmail: "jane", from: NOW - 2 * DAY, to: NOW }, {}, false],
  ])("%s", (_, filter, change, want) => {
    expect(matchesConversion({ ...c, ...change }, filter, NOW)).toBe(want);
  });
});

describe("conversionTotals", () => {
  it("answers nothing for no rows", () => {
    expect(conversionTotals([])).toEqual([]);
  });

  it("adds up count, revenue, refunds and commission per currency, in alphabetical order", () => {
    const rows = [
      conversion({ amount: 4_900, commission: { amount: 1_470, currency: "usd" } }),
      conversion({ amount: 1_000, refundedAmount: 1_000, status: "reversed", commission: { amount: 0, currency: "usd" } }),
      conversion({ amount: 500, currency: "jpy", commission: { amount: 150, currency: "jpy" } }),
      // Unattributed: its sale counts, it owes no commission whatever the record holds.
      conversion({ amount: 2_000, affiliateId: null, commission: { amount: 600, currency: "usd" } }),
      // A fixed commission in euros on a sale in yen: each amount under its own currency.
      conversion({ amount: 1_000, currency: "jpy", commission: { amount: 500, currency: "eur" } }),
    ];
    expect(conversionTotals(rows)).toEqual([
      { currency: "eur", count: 0, revenue: 0, refunded: 0, commission: 500 },
      { currency: "jpy", count: 2, revenue: 1_500, refunded: 0, commission: 150 },
      { currency: "usd", count: 3, revenue: 7_900, refunded: 1_000, commission: 1_470 },
    ]);
  });
});

describe("the filter's query string", () => {
  it.each<[string, Record<string, string>, Record<string, unknown>]>([
    ["nothing", {}, {}],
    ["a UTC day as from is its first millisecond", { from: "2026-11-27" }, { from: Date.parse("2026-11-27T00:00:00Z") }],
    ["a UTC day as to is its last millisecond", { to: "2026-11-27" }, { to: Date.parse("2026-11-28T00:00:00Z") - 1 }],
    ["an ISO time with an offset", { from: "2026-11-27T09:30:00+01:00" }, { from: Date.parse("2026-11-27T08:30:00Z") }],
    ["epoch milliseconds", { to: "1764236400000" }, { to: 1_764_236_400_000 }],
    ["livemode as a boolean", { livemode: "true" }, { livemode: true }],
    ["status, ids and email as sent", { status: "on_hold", programId: "prg_x", affiliateId: "aff_y", customerEmail: "@x.com" }, { status: "on_hold", programId: "prg_x", affiliateId: "aff_y", customerEmail: "@x.com" }],
  ])("reads %s", (_, query, want) => {
    expect(conversionFilterQuery.parse(query)).toEqual(want);
  });

  it.each<[string, Record<string, string>, string]>([
    ["a day that does not exist", { from: "2026-02-30" }, "from"],
    ["a month that does not exist", { to: "2026-13-01" }, "to"],
    ["words", { from: "yesterday" }, "from"],
    ["a time without a zone", { from: "2026-11-27T09:30:00" }, "from"],
    ["an empty bound", { to: "" }, "to"],
    ["a status that is not one", { status: "settled" }, "status"],
    ["a mode that is not one", { livemode: "live" }, "livemode"],
    ["an overlong email", { customerEmail: "x".repeat(201) }, "customerEmail"],
  ])("refuses %s, naming the field", (_, query, field) => {
    const result = conversionFilterQuery.safeParse(query);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path[0])).toEqual([field]);
  });
});

describe("readableAmounts", () => {
  it.each([
    ["Payment 4900 usd from Checkout Session cs_1 credited to ann; commission 1470 usd.", "Payment $49.00 from Checkout Session cs_1 credited to ann; commission $14.70."],
    ["Invoice in_1 is for 0 eur (a trial or credit).", "Invoice in_1 is for €0.00 (a trial or credit)."],
    ["Refund of 500 jpy on charge ch_1 arrived", "Refund of ¥500 on charge ch_1 arrived"],
    ["Charge ch_1 refunded 1234 kwd of 2000 kwd in all", "Charge ch_1 refunded KWD\u00a01.234 of KWD\u00a02.000 in all"],
    // Already readable, or no amount: unchanged.
    ["Payment $49.00 from Checkout Session cs_1", "Payment $49.00 from Checkout Session cs_1"],
    ["The timestamp is 400 s old, outside the 300 s tolerance", "The timestamp is 400 s old, outside the 300 s tolerance"],
    ["Event evt_123 usd", "Event evt_123 usd"],
    ["version 2026 abc", "version 2026 abc"],
    ["renews after 12 months", "renews after 12 months"],
  ])("%s", (sentence, want) => {
    expect(readableAmounts(sentence)).toBe(want);
  });
});
