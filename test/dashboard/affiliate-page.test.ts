import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { payoutMethodLabel } from "../../server/dashboard/affiliate-page.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { storeKinds } from "../support/stores.js";
import { merchant, page, seedThreeDays, SERVER_ENV } from "./support.js";

// One affiliate's page over figures that real writes made (the Overview's three seeded days),
// beside a second affiliate of the same program whose figures must not leak in.

describe("the payout method an affiliate set, as the merchant's page names it", () => {
  it.each([
    [null, "not set"],
    [undefined, "not set"],
    [{ type: "paypal" as const, email: "a@example.com" }, "PayPal"],
    [{ type: "wise" as const, email: "a@example.com" }, "Wise"],
    [{ type: "bank" as const, details: "IBAN DE89 3704 0044 0532 0130 00" }, "bank transfer"],
  ])("%o reads %s, never the details", (method, want) => {
    expect(payoutMethodLabel(method)).toBe(want);
  });
});

for (const kind of storeKinds) {
  describe.runIf(kind.available)(`an affiliate's page on the ${kind.name} store`, () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer(kind, SERVER_ENV);
    });
    afterAll(async () => {
      await server.stop();
    });

    it("shows the affiliate's own figures, chart, links, latest conversions and details", async () => {
      const m = await merchant(server);
      const days = await seedThreeDays(server, m);
      // Another affiliate of the program, with a click of their own: none of it is Ann's.
      const other = await server.api("POST", "/api/v1/affiliates", { key: m.key, body: { programId: m.program.id, name: "Bob Roe", email: `bob-${m.workspaceId}@example.com` } });
      const otherLink = await server.api("POST", "/api/v1/links", { key: m.key, body: { affiliateId: other.body.id } });
      expect((await fetch(`${server.url}/r/${otherLink.body.code}`, { redirect: "manual" })).status).toBe(302);
      const link = await server.api("POST", "/api/v1/links", { key: m.key, body: { affiliateId: m.affiliate.id, path: "/pricing" } });
      await server.store.updateAffiliate(m.workspaceId, m.affiliate.id, { payoutMethod: { type: "paypal", email: "ann@example.com" }, lastSignInAt: Date.parse("2026-11-30T10:00:00Z") });

      const res = await page(server, `/dashboard/affiliates/${m.affiliate.id}?range=30&mode=test`, m.cookie);
      expect(res.status).toBe(200);
      expect(res.html).toContain(`<h1>${m.affiliate.name} <span class="badge green" id="affiliate-status">active</span></h1>`);
      expect(res.html).toContain(m.program.name);
      // 6 clicks and 3 payments, all Ann's; Bob's click is not among them.
      expect(/id="total-clicks">[\s\S]*?<strong>(\d+)<\/strong>/.exec(res.html)?.[1]).toBe("6");
      expect(/id="total-conversions">[\s\S]*?<strong>(\d+)<\/strong>/.exec(res.html)?.[1]).toBe("3");
      expect(res.html).toContain("$175.00");
      const chart = /<figure class="chart clicks">[\s\S]*?<\/figure>/.exec(res.html)?.[0] ?? "";
      const perDay = new Map([...chart.matchAll(/data-date="([\d-]+)" data-value="(\d+)"/g)].map((x) => [x[1], Number(x[2])]));
      expect(perDay.size).toBe(30);
      expect([perDay.get(days[0]), perDay.get(days[1]), perDay.get(days[2])]).toEqual([3, 2, 1]);
      // Commission by state: 30 % of $175.00, all pending (a 30-day hold).
      const states = /<table id="commission-states"[^>]*>[\s\S]*?<\/table>/.exec(res.html)?.[0] ?? "";
      expect(states).toContain('<td class="num" data-label="Pending">$52.50</td>');
      expect(states).toContain('<td class="num" data-label="Due">$0.00</td>');
      const rows = /<table id="affiliate-conversions"[^>]*>[\s\S]*?<\/table>/.exec(res.html)?.[0] ?? "";
      expect([...rows.matchAll(/<tr data-id="/g)]).toHaveLength(3);
      expect(rows).toContain("$100.00");
      expect(res.html).toContain(`${server.url}/r/${link.body.code}`);
      expect(res.html).toContain("→ /pricing");
      expect(res.html).not.toContain(otherLink.body.code);
      expect(/id="payout-method">([^<]*)</.exec(res.html)?.[1]).toBe("PayPal");
      expect(res.html).not.toContain("ann@example.com");
      expect(res.html).toContain('datetime="2026-11-30T10:00:00.000Z"');
      expect(res.html).toContain(`/dashboard/conversions?affiliateId=${m.affiliate.id}`);
    });

    it("answers another workspace's affiliate, or nonsense, with a 404 page, and the signed-out with the login form", async () => {
      const m = await merchant(server);
      const stranger = await merchant(server, { workspace: "Other", affiliateName: "Zed Stranger" });
      for (const id of [stranger.affiliate.id, "aff_nope", "%3Cscript%3E"]) {
        const res = await page(server, `/dashboard/affiliates/${id}`, m.cookie);
        expect(res.status).toBe(404);
        expect(res.html).toContain("No such affiliate");
        expect(res.html).not.toContain(stranger.affiliate.name);
        expect(res.html).not.toContain("<script>");
      }
      const out = await page(server, `/dashboard/affiliates/${m.affiliate.id}`);
      expect(out.status).toBe(303);
      expect(out.location).toContain("/login?next=");
    });

    it("tells a pending affiliate's story: awaiting approval, no links", async () => {
      const m = await merchant(server);
      await server.store.updateAffiliate(m.workspaceId, m.affiliate.id, { status: "pending" });
      const res = await page(server, `/dashboard/affiliates/${m.affiliate.id}`, m.cookie);
      expect(res.html).toContain('<span class="badge amber" id="affiliate-status">pending</span>');
      expect(res.html).toContain("waits for approval");
      expect(res.html).toContain("No links until the affiliate is approved.");
      expect(/id="payout-method">([^<]*)</.exec(res.html)?.[1]).toBe("not set");
    });
  });
}
