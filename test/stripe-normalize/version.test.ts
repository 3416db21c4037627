import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { normalizeEvent } from "../../server/stripe/normalize.js";
import { checkApiVersion, NEWEST_KNOWN_API_VERSION } from "../../server/stripe/normalize-version.js";
import { envelope, paidInvoice, paidSession, refundedCharge, VERSIONS } from "./shapes.js";

const REPAIR =
  "Press Repair Webhooks in Icodrip (Settings > Integrations) to register an endpoint on 2026-10-28.endive, or in the Stripe Dashboard > Developers > Webhooks give this endpoint API version 2026-10-28.endive.";

describe("API versions", () => {
  it("knows the version the installed stripe-node is generated for", () => {
    expect(NEWEST_KNOWN_API_VERSION).toBe(Stripe.API_VERSION);
  });

  it.each<[string, string, boolean]>([
    ["2023-10-16", "dated", false],
    ["2024-04-10", "dated", false],
    ["2024-06-20", "dated", false],
    ["2024-09-30.acacia", "acacia", false],
    ["2025-02-24.acacia", "acacia", false],
    ["2025-03-31.basil", "basil", true],
    ["2025-08-27.basil", "basil", true],
    ["2025-09-30.clover", "clover", true],
    ["2026-01-28.clover", "clover", true],
    ["2026-03-25.dahlia", "dahlia", true],
    ["2026-08-26.dahlia", "dahlia", true],
    ["2026-09-30.endive", "endive", true],
    ["2026-10-28.endive", "endive", true],
    ["2026-12-16.endive", "endive", true],
    ["2025-09-30.preview", "clover", true],
  ])("%s is read as %s (basil shapes: %s)", (raw, family, basilOrLater) => {
    expect(checkApiVersion(raw, "evt_1")).toEqual({ ok: true, version: { raw, date: raw.slice(0, 10), family, basilOrLater } });
  });

  it.each<[string | null, string]>([
    ["2020-08-27", `Event evt_old was rendered with Stripe API version 2020-08-27, older than 2023-10-16, the oldest Icodrip reads. ${REPAIR}`],
    ["2023-08-16", `Event evt_old was rendered with Stripe API version 2023-08-16, older than 2023-10-16, the oldest Icodrip reads. ${REPAIR}`],
    [null, `Event evt_old carries no API version, so Icodrip cannot tell how Stripe rendered it. ${REPAIR}`],
    ["latest", `Event evt_old names API version "latest", which is not a Stripe API version (they look like 2026-10-28.endive). ${REPAIR}`],
    ["2025-13-45.basil", `Event evt_old names API version "2025-13-45.basil", which is not a Stripe API version (they look like 2026-10-28.endive). ${REPAIR}`],
  ])("refuses a payment event at version %s with unsupported_api_version", (apiVersion, message) => {
    for (const [type, object] of [
      ["checkout.session.completed", paidSession()],
      ["invoice.paid", paidInvoice("2023-10-16")],
      ["charge.refunded", refundedCharge("2023-10-16")],
    ] as const) {
      expect(normalizeEvent(envelope(type, object, { id: "evt_old", apiVersion }))).toEqual({ ok: false, code: "unsupported_api_version", message });
    }
  });

  it("refuses an event without an api_version key the same way as a null one", () => {
    const e = envelope("invoice.paid", paidInvoice("2026-10-28.endive"), { id: "evt_old" });
    delete e.api_version;
    expect(normalizeEvent(e)).toMatchObject({ ok: false, code: "unsupported_api_version", message: expect.stringContaining("carries no API version") });
  });

  it.each(VERSIONS)("accepts %s and reports it on the event", (apiVersion) => {
    expect(normalizeEvent(envelope("checkout.session.completed", paidSession(), { apiVersion }))).toMatchObject({ ok: true, event: { apiVersion } });
  });
});
