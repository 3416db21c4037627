import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { csvLine, majorUnits } from "../../server/http/csv.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { storeKinds } from "../support/stores.js";
import { click, merchant, page, pay, refund, SERVER_ENV } from "../dashboard/support.js";

// GET /api/v1/conversions/export.csv: the list's filters, every row, amounts as a person reads
// them, and nothing a spreadsheet would run.

describe("CSV cells", () => {
  it.each([
    [4_900, "usd", "49.00"],
    [5, "usd", "0.05"],
    [0, "eur", "0.00"],
    [-250, "usd", "-2.50"],
    [500, "jpy", "500"],
    [1_234, "kwd", "1.234"],
  ])("%i %s is %s in major units", (amount, currency, text) => {
    expect(majorUnits(amount, currency)).toBe(text);
  });

  it("quotes what needs quoting and neutralises formulas", () => {
    expect(csvLine(["plain", 12, true, null])).toBe("plain,12,true,\r\n");
    expect(csvLine(['say "hi", ok', "two\nlines"])).toBe('"say ""hi"", ok","two\nlines"\r\n');
    expect(csvLine(["=HYPERLINK(\"x\")", "+1", "-1", "@sum", "\tx"])).toBe(`"'=HYPERLINK(""x"")",'+1,'-1,'@sum,'\tx\r\n`);
    expect(csvLine([-1])).toBe("-1\r\n");
  });
});

for (const kind of storeKinds) {
  describe.runIf(kind.available)(`Conversions export on the ${kind.name} store`, () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer(kind, SERVER_ENV);
    });
    afterAll(async () => {
      await server.stop();
    });

    it("answers every conversion the filters select as CSV, matching the list", async () => {
      const m = await merchant(server);
      await pay(server, m, { amount: 4_900, clickId: await click(server, m), paymentIntent: "pi_csv_1" });
      await refund(server, m, { amount: 4_900, refunded: 4_900, paymentIntent: "pi_csv_1" });
      await pay(server, m, { amount: 500, currency: "jpy", clickId: await click(server, m) });
      await pay(server, m, { amount: 1_999, email: "=1+1@evil.example" });
      for (let i = 0; i < 120; i++) await pay(server, m, { amount: 100 + i, clickId: null, email: null });

      const res = await fetch(`${server.url}/api/v1/conversions/export.csv`, { headers: { authorization: `Bearer ${m.key}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/csv; charset=utf-8/);
      expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="conversions-\d{4}-\d{2}-\d{2}\.csv"$/);
      const lines = (await res.text()).split("\r\n").filter(Boolean);
      expect(lines[0]).toBe(
        "id,created_at,paid_at,status,livemode,program_id,affiliate_id,click_id,matched_by,amount,currency,commission,refunded_amount,customer_email,reason,stripe_account,checkout_session,payment_intent,invoice,charge,subscription",
      );
      expect(lines).toHaveLength(1 + 123);
      const header = lines[0].split(",");
      const rows = lines.slice(1).map((l) => Object.fromEntries(l.split(",").map((v, i) => [header[i], v])));
      const reversed = rows.find((r) => r.payment_intent === "pi_csv_1");
      expect(reversed).toMatchObject({ amount: "49.00", currency: "usd", commission: "0.00", refunded_amount: "49.00", status: "reversed", matched_by: "client_reference_id" });
      expect(rows.find((r) => r.currency === "jpy")).toMatchObject({ amount: "500", commission: "150" });
      expect(lines.find((l) => l.includes("evil.example"))).toContain(",'=1+1@evil.example,");

      const attributed = await fetch(`${server.url}/api/v1/conversions/export.csv?affiliateId=${m.affiliate.id}`, { headers: { authorization: `Bearer ${m.key}` } });
      const list = await server.api("GET", `/api/v1/conversions?affiliateId=${m.affiliate.id}&limit=100`, { key: m.key });
      const exported = (await attributed.text()).split("\r\n").filter(Boolean).slice(1).map((l) => l.split(",")[0]);
      expect(exported).toEqual(list.body.data.map((c: { id: string }) => c.id));
      expect(exported).toHaveLength(2);

      // The webhook log writes money as a person reads it, in the currency's own decimals.
      const log = await server.api("GET", "/api/v1/webhook-deliveries?limit=100&outcome=processed", { key: m.key });
      const messages = (log.body.data as { message: string }[]).map((d) => d.message);
      expect(messages.some((t) => /^Payment \$49\.00 .* commission \$14\.70/.test(t))).toBe(true);
      expect(messages.some((t) => /¥500 .* commission ¥150/.test(t))).toBe(true);
      expect(messages.some((t) => t.includes("refunded $49.00 of $49.00 in all"))).toBe(true);

      const refused = await fetch(`${server.url}/api/v1/conversions/export.csv?status=settled`, { headers: { authorization: `Bearer ${m.key}` } });
      expect(refused.status).toBe(400);
    });

    it("lets the signed-in dashboard download it, and nobody else", async () => {
      const m = await merchant(server);
      const withCookie = await fetch(`${server.url}/api/v1/conversions/export.csv`, { headers: { cookie: m.cookie } });
      expect(withCookie.status).toBe(200);
      expect((await fetch(`${server.url}/api/v1/conversions/export.csv`)).status).toBe(401);
      // The Conversions tab links the export with the filters on screen.
      const tab = await page(server, `/dashboard/conversions?status=pending&mode=live&programId=${m.program.id}`, m.cookie);
      expect(tab.html).toContain(`href="/api/v1/conversions/export.csv?programId=${m.program.id}&amp;status=pending&amp;livemode=true" download>Download CSV</a>`);
    });
  });
}
