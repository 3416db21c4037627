import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { change } from "../../server/dashboard/overview-page.js";
import { pageRange } from "../../server/dashboard/overview-route.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { storeKinds } from "../support/stores.js";
import { merchant, page, seedThreeDays, SERVER_ENV } from "./support.js";

// The Overview over figures that real writes made: clicks through the snippet's endpoint and
// payments through signed webhooks, on three days, on both stores.

const DAY_MS = 24 * 3600 * 1000;

describe("the overview's range arithmetic", () => {
  it.each([
    [{ range: "7" as const }, { choice: "7", length: 7 }],
    [{}, { choice: "30", length: 30 }],
    [{ range: "custom" as const, from: "2026-01-01", to: "2026-01-31" }, { choice: "custom", length: 31 }],
  ])("%o covers the right days, and the previous range is as long and ends the day before", (q, want) => {
    const r = pageRange(q, Date.parse("2026-03-15T09:00:00Z"));
    expect(r.choice).toBe(want.choice);
    const days = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / DAY_MS + 1;
    expect(days(r.from, r.to)).toBe(want.length);
    expect(days(r.previousFrom, r.previousTo)).toBe(want.length);
    expect(Date.parse(r.from) - Date.parse(r.previousTo)).toBe(DAY_MS);
    expect(r.message).toBeUndefined();
  });

  it("falls back to 30 days with a sentence for a range that ends before it starts", () => {
    const r = pageRange({ range: "custom", from: "2026-03-05", to: "2026-03-01" }, Date.parse("2026-03-15T09:00:00Z"));
    expect(r).toMatchObject({ choice: "30", to: "2026-03-15" });
    expect(r.message).toContain("ends before it starts");
  });

  it.each([
    [3, 3, "±0 %"], [2, 1, "+100 %"], [1, 4, "−75 %"], [5, 0, "new"], [0, 0, "—"],
  ])("writes %i against %i as %s", (now, before, want) => {
    expect(change(now, before)).toBe(want);
  });
});

for (const kind of storeKinds) {
  describe.runIf(kind.available)(`the overview page on the ${kind.name} store`, () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer(kind, SERVER_ENV);
    });
    afterAll(async () => {
      await server.stop();
    });

    it("opens the dashboard on totals with their change, a chart per day, the top affiliates and what is owed", async () => {
      const m = await merchant(server);
      // Approved at once, so what the payments earned is owed as soon as they are in.
      await server.api("PATCH", `/api/v1/programs/${m.program.id}`, { key: m.key, body: { holdDays: 0 } });
      const days = await seedThreeDays(server, m);
      expect((await page(server, "/dashboard", m.cookie)).location).toBe("/dashboard/overview");

      const week = await page(server, "/dashboard/overview?range=7&mode=test", m.cookie);
      expect(week.status).toBe(200);
      const tile = (id: string) => /<div class="tile" id="[^"]+">([\s\S]*?)<\/div>/.exec(week.html.slice(week.html.indexOf(`id="${id}"`) - 20))?.[1] ?? "";
      // This week: 3 clicks and 2 payments; the week before: 3 clicks and 1 payment.
      expect(tile("total-clicks")).toContain("<strong>3</strong>");
      expect(tile("total-clicks")).toContain("±0 %");
      expect(tile("total-conversions")).toContain("<strong>2</strong>");
      expect(tile("total-conversions")).toContain("+100 %");
      expect(week.html).toContain("$75.00"); // revenue 50 + 25
      expect(week.html).toContain("−25 %"); // against $100.00 the week before
      const marks = [...week.html.matchAll(/<figure class="chart clicks">[\s\S]*?<\/figure>/g)][0][0];
      const perDay = new Map([...marks.matchAll(/data-date="([\d-]+)" data-value="(\d+)"/g)].map((x) => [x[1], Number(x[2])]));
      expect(perDay.size).toBe(7);
      expect(perDay.get(days[1])).toBe(2);
      expect(perDay.get(days[2])).toBe(1);
      expect(marks).toContain(`${days[1]}: 2 clicks`);
      expect(week.html).toContain(`href="/dashboard/affiliates/${m.affiliate.id}?`);
      // Owed: 30 % of every payment, approved (no hold): 30 + 15 + 7.50.
      expect(/id="owed"[\s\S]*?<\/ul>/.exec(week.html)?.[0]).toContain("$52.50");

      const month = await page(server, "/dashboard/overview?range=30&mode=test", m.cookie);
      expect(month.html).toContain("<strong>6</strong>");
      // Live mode (the default, since the workspace has a live connection) has no payment yet;
      // clicks have no mode, so they count in both.
      const live = await page(server, "/dashboard/overview", m.cookie);
      expect(live.html).toContain("live mode");
      expect(/id="total-conversions">[\s\S]*?<strong>(\d+)<\/strong>/.exec(live.html)?.[1]).toBe("0");
      expect(/id="total-clicks">[\s\S]*?<strong>(\d+)<\/strong>/.exec(live.html)?.[1]).toBe("6");
    });

    it("answers a bad custom range with a sentence and the last 30 days, not an error page", async () => {
      const m = await merchant(server);
      const res = await page(server, "/dashboard/overview?range=custom&from=2026-03-05&to=2026-03-01", m.cookie);
      expect(res.status).toBe(400);
      expect(res.html).toContain("ends before it starts");
      expect(res.html).toContain('id="overview-live"');
      const nonsense = await page(server, "/dashboard/overview?range=banana&from=yesterday&programId=%3Cscript%3E", m.cookie);
      expect(nonsense.status).toBe(200);
      expect(nonsense.html).not.toContain("<script>");
    });
  });
}
