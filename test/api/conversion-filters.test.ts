import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatMoney } from "../../server/domain/money-format.js";
import { filteredTotals } from "../../server/http/conversion-filter.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { storeKinds } from "../support/stores.js";
import { seedConversions, type Seeded } from "../dashboard/conversions-seed.js";
import { merchant, page, SERVER_ENV } from "../dashboard/support.js";

// The conversions' filters on GET /api/v1/conversions, its CSV export and the Conversions tab,
// on both stores: each filter selects the same rows in all three, paging through a filtered list
// neither skips nor repeats a row, and a bad filter is a 400 that says what to send (a notice on
// the page).

interface Row {
  id: string;
  programId: string | null;
  affiliateId: string | null;
  status: string;
  livemode: boolean;
  customerEmail: string | null;
  amount: number;
  currency: string;
  commission: { amount: number; currency: string };
  createdAt: string;
}

for (const kind of storeKinds) {
  describe.runIf(kind.available)(`Conversion filters on the ${kind.name} store`, () => {
    let server: TestServer;
    let s: Seeded;
    let all: Row[];
    const get = (path: string) => server.api("GET", path, { key: s.m.key });

    /** Every row of a filtered list, following its cursors with a small page. */
    async function walk(query: string, limit: number): Promise<{ ids: string[]; pages: number }> {
      const ids: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res = await get(`/api/v1/conversions?${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
        expect(res.status).toBe(200);
        expect(res.body.data.length).toBeLessThanOrEqual(limit);
        ids.push(...res.body.data.map((c: Row) => c.id));
        cursor = res.body.nextCursor;
        pages++;
      } while (cursor && pages < 50);
      return { ids, pages };
    }

    async function csvIds(query: string): Promise<string[]> {
      const res = await fetch(`${server.url}/api/v1/conversions/export.csv?${query}`, { headers: { authorization: `Bearer ${s.m.key}` } });
      expect(res.status).toBe(200);
      return (await res.text()).split("\r\n").filter(Boolean).slice(1).map((l) => l.split(",")[0]);
    }

    beforeAll(async () => {
      server = await startTestServer(kind, SERVER_ENV);
      s = await seedConversions(server, { extraToday: 5 });
      const res = await get("/api/v1/conversions?limit=100");
      all = res.body.data;
      expect(all).toHaveLength(12);
      expect(res.body.nextCursor).toBeNull();
    });
    afterAll(async () => {
      await server.stop();
    });

    const day = (r: Row) => r.createdAt.slice(0, 10);
    const cases: [string, () => Record<string, string>, (r: Row) => boolean, number][] = [
      ["one affiliate", () => ({ affiliateId: s.m.affiliate.id }), (r) => r.affiliateId === s.m.affiliate.id, 9],
      ["the other affiliate", () => ({ affiliateId: s.other.id }), (r) => r.affiliateId === s.other.id, 2],
      ["an affiliate and a date range", () => ({ affiliateId: s.m.affiliate.id, from: s.days[1], to: s.days[2] }), (r) => r.affiliateId === s.m.affiliate.id && day(r) >= s.days[1], 8],
      ["a single day", () => ({ from: s.days[1], to: s.days[1] }), (r) => day(r) === s.days[1], 3],
      ["up to a day", () => ({ to: s.days[0] }), (r) => day(r) === s.days[0], 2],
      ["the program in test mode", () => ({ programId: s.m.program.id, livemode: "false" }), (r) => r.programId === s.m.program.id && !r.livemode, 10],
      ["a customer email domain, any case", () => ({ customerEmail: "@SHOP.test" }), (r) => /@shop\.test$/i.test(r.customerEmail ?? ""), 9],
      ["email, affiliate and from together", () => ({ customerEmail: "shop.test", affiliateId: s.m.affiliate.id, from: s.days[1] }), (r) => /shop\.test/i.test(r.customerEmail ?? "") && r.affiliateId === s.m.affiliate.id && day(r) >= s.days[1], 8],
      ["unattributed", () => ({ status: "unattributed" }), (r) => r.status === "unattributed", 1],
      ["an ISO time as from", () => ({ from: `${s.days[2]}T00:00:00Z` }), (r) => day(r) === s.days[2], 7],
    ];

    it.each(cases)("%s: the list (paged by 2) and the CSV select the same rows as the rule", async (_, query, rule, count) => {
      const q = new URLSearchParams(query()).toString();
      const expected = all.filter(rule).map((r) => r.id);
      expect(expected).toHaveLength(count);
      const listed = await walk(q, 2);
      expect(listed.ids).toEqual(expected); // newest first, none skipped, none twice
      expect(listed.pages).toBeGreaterThanOrEqual(Math.ceil(count / 2));
      expect(await csvIds(q)).toEqual(expected);
    });

    it.each([
      ["an unknown affiliate", "affiliateId=aff_nope", "affiliateId", /There is no affiliate aff_nope in this workspace; use an id from GET \/api\/v1\/affiliates\./],
      ["an unknown program", "programId=prg_nope", "programId", /There is no program prg_nope in this workspace/],
      ["a date that does not exist", "from=2026-02-30", "from", /bad field: from/],
      ["a word as a date", "to=yesterday", "to", /bad field: to/],
      ["a range that ends before it starts", "from=2026-11-27&to=2026-11-01", "from", /ends before it starts/],
      ["a bad status", "status=settled", "status", /bad field: status/],
    ])("answers %s with a 400 naming the field, on the list and the CSV", async (_, query, field, message) => {
      for (const path of [`/api/v1/conversions?${query}`, `/api/v1/conversions/export.csv?${query}`]) {
        const res = await get(path);
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe("invalid_request");
        expect(res.body.error.message).toMatch(message);
        expect(Object.keys(res.body.error.fields)).toContain(field);
      }
      if (field === "from" && query.includes("2026-02-30")) {
        expect((await get(`/api/v1/conversions?${query}`)).body.error.fields.from).toMatch(/YYYY-MM-DD/);
      }
    });

    it("treats another workspace's affiliate as unknown", async () => {
      const stranger = await merchant(server);
      const res = await server.api("GET", `/api/v1/conversions?affiliateId=${s.m.affiliate.id}`, { key: stranger.key });
      expect(res.status).toBe(400);
      expect(res.body.error.fields).toEqual({ affiliateId: "is no affiliate of this workspace" });
    });

    it("shows the filtered rows on the tab with totals per currency of the whole match, and an export link with the same filters", async () => {
      const f = { affiliateId: s.m.affiliate.id, from: s.days[1], to: s.days[2] };
      const tab = await page(server, `/dashboard/conversions?${new URLSearchParams(f)}`, s.m.cookie);
      expect(tab.status).toBe(200);
      const expected = all.filter((r) => r.affiliateId === f.affiliateId && day(r) >= f.from);
      expect([...tab.html.matchAll(/<tr data-id="(cnv_[^"]+)"/g)].map((x) => x[1])).toEqual(expected.map((r) => r.id));
      expect(tab.html).toContain(`href="/api/v1/conversions/export.csv?affiliateId=${f.affiliateId}&amp;from=${f.from}&amp;to=${f.to}" download>Download CSV</a>`);
      expect(tab.html).toContain(`<input type="date" name="from" value="${f.from}">`);
      expect(tab.html).toContain(`<option value="${f.affiliateId}" selected>`);
      const totals = Object.fromEntries([...tab.html.matchAll(/<tr data-currency="([a-z]{3})">([\s\S]*?)<\/tr>/g)].map((x) => [x[1], [...x[2].matchAll(/>([^<>]+)<\/t[hd]>/g)].map((c) => c[1])]));
      // Every matching row counts, added up per currency, formatted in its decimals.
      const want: Record<string, string[]> = {};
      for (const cur of [...new Set(expected.map((r) => r.currency))].sort()) {
        const of = expected.filter((r) => r.currency === cur);
        const sum = (pick: (r: Row) => number) => of.reduce((n, r) => n + pick(r), 0);
        want[cur] = [cur.toUpperCase(), String(of.length), formatMoney(sum((r) => r.amount), cur), formatMoney(0, cur), formatMoney(sum((r) => r.commission.amount), cur)];
      }
      expect(Object.keys(want)).toEqual(["eur", "jpy", "usd"]);
      expect(want.usd.slice(0, 3)).toEqual(["USD", "6", "$30.10"]);
      expect(totals).toEqual(want);
      expect(tab.html).not.toContain('id="totals-capped"');
    });

    it("says on the tab which filters it could not apply, and why, instead of failing", async () => {
      const tab = await page(server, "/dashboard/conversions?affiliateId=aff_nope&from=2026-02-30&customerEmail=shop.test", s.m.cookie);
      expect(tab.status).toBe(200);
      const notice = /<p class="notice bad" role="alert" id="filter-error">([^<]*)<\/p>/.exec(tab.html)?.[1] ?? "";
      expect(notice).toContain("The from date filter was not applied: it should be a date as YYYY-MM-DD");
      expect(notice).toContain("There is no affiliate aff_nope in this workspace");
      // The filter that was good still applies, and the export link carries only it.
      expect(tab.html.match(/<tr data-id="cnv_/g)).toHaveLength(9);
      expect(tab.html).toContain('href="/api/v1/conversions/export.csv?customerEmail=shop.test" download>');
    });

    it("stops the totals at the cap and says so", async () => {
      const capped = await filteredTotals(server.store, s.m.workspaceId, {}, Date.now(), { cap: 4, maxPages: 10 });
      expect(capped).toMatchObject({ counted: 4, capped: true });
      expect(capped.currencies.reduce((n, c) => n + c.count, 0)).toBe(4);
      const whole = await filteredTotals(server.store, s.m.workspaceId, {}, Date.now(), { cap: 100, maxPages: 10 });
      expect(whole).toMatchObject({ counted: 12, capped: false });
      expect(whole.currencies.map((c) => [c.currency, c.count, c.revenue])).toEqual([["eur", 2, 7_000], ["jpy", 1, 700], ["usd", 9, 10_000 + 1_500 + 3_000 + 2_500 + 100 + 101 + 102 + 103 + 104]]);
    });
  });
}
