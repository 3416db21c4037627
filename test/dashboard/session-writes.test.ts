import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/server.js";
import { storeKinds } from "../support/stores.js";
import { merchant, page, pay, SERVER_ENV, type Merchant } from "./support.js";

// The dashboard's forms write through the JSON API with the session cookie. Only those writes
// take the cookie, only from Icodrip's own origin; API keys work exactly as before.

for (const kind of storeKinds) {
  describe.runIf(kind.available)(`Dashboard writes with the session cookie on the ${kind.name} store`, () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer(kind, SERVER_ENV);
    });
    afterAll(async () => {
      await server.stop();
    });

    const asMember = (m: Merchant, origin: string | null = server.url) => ({ cookie: m.cookie, ...(origin ? { origin } : {}) });

    async function unattributed(m: Merchant): Promise<string> {
      await pay(server, m, { amount: 2_000, email: "nobody@example.com" });
      const [conversion] = (await server.api("GET", "/api/v1/conversions?status=unattributed", { key: m.key })).body.data;
      return conversion.id as string;
    }

    it("attributes an unattributed conversion from the Conversions tab, and the page shows it given by hand", async () => {
      const m = await merchant(server);
      const id = await unattributed(m);
      const res = await server.api("POST", `/api/v1/conversions/${id}/attribute`, { body: { affiliateId: m.affiliate.id }, headers: asMember(m) });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id, affiliateId: m.affiliate.id, matchedBy: "manual", status: "pending", commission: { amount: 600 } });
      const html = (await page(server, "/dashboard/conversions", m.cookie)).html;
      expect(html).toContain("by hand");
      expect(html).toContain(m.affiliate.name);
      expect(html).not.toContain('<form class="attribute"');
    });

    it("refuses a cookie-authenticated write from another origin or with no origin, and changes nothing", async () => {
      const m = await merchant(server);
      const id = await unattributed(m);
      for (const origin of ["https://evil.example", "null", null]) {
        const res = await server.api("POST", `/api/v1/conversions/${id}/attribute`, { body: { affiliateId: m.affiliate.id }, headers: asMember(m, origin) });
        expect(res.status).toBe(403);
        expect(res.body.error.code).toBe("cross_origin");
        const program = await server.api("POST", "/api/v1/programs", { body: { name: "Evil", url: "https://evil.example", commission: { type: "percent", percent: 90 } }, headers: asMember(m, origin) });
        expect(program.status).toBe(403);
      }
      const after = await server.api("GET", `/api/v1/conversions/${id}`, { key: m.key });
      expect(after.body).toMatchObject({ affiliateId: null, status: "unattributed" });
      const programs = await server.api("GET", "/api/v1/programs", { key: m.key });
      expect(programs.body.data).toHaveLength(1);
    });

    it("creates a program, an affiliate and a link as the Affiliates tab's forms do, and lists them there", async () => {
      const m = await merchant(server);
      const program = await server.api("POST", "/api/v1/programs", {
        body: { name: "Creators", url: "https://creators.example.com", cookieDays: 30, holdDays: 14, commission: { type: "fixed", amount: 500, currency: "eur" }, recurring: { type: "months", months: 6 } },
        headers: asMember(m),
      });
      expect(program.status).toBe(201);
      const affiliate = await server.api("POST", "/api/v1/affiliates", { body: { programId: program.body.id, name: "Bo", email: "bo@example.com", code: "bo-creates" }, headers: asMember(m) });
      expect(affiliate.status).toBe(201);
      const link = await server.api("POST", "/api/v1/links", { body: { affiliateId: affiliate.body.id, path: "/start" }, headers: asMember(m) });
      expect(link.status).toBe(201);
      const bad = await server.api("POST", "/api/v1/affiliates", { body: { programId: program.body.id, name: "", email: "not an email" }, headers: asMember(m) });
      expect(bad.status).toBe(400);
      expect(Object.keys(bad.body.error.fields)).toEqual(expect.arrayContaining(["name", "email"]));

      const html = (await page(server, "/dashboard/affiliates", m.cookie)).html;
      expect(html).toContain("Creators");
      expect(html).toContain("€5.00 commission on payments for 6 months · 30-day cookie · 14-day hold");
      expect(html).toContain("<code>bo-creates</code>");
      expect(html).toContain(`data-copy="${link.body.url}"`);
      expect(html).toContain("→ /start");
    });

    it("keeps every other API route on the API key, and keys working exactly as before", async () => {
      const m = await merchant(server);
      const id = await unattributed(m);
      // The cookie opens none of the reads or the other writes.
      for (const [method, path] of [["GET", "/api/v1/conversions"], ["GET", "/api/v1/programs"], ["GET", `/api/v1/conversions/${id}`], ["GET", `/api/v1/affiliates/${m.affiliate.id}`], ["POST", "/api/v1/leads"]]) {
        const res = await server.api(method, path, { body: method === "POST" ? {} : undefined, headers: asMember(m) });
        expect(res.status).toBe(401);
        expect(res.body.error.message).toMatch(/Authorization: Bearer/);
      }
      // No cookie and no key: the same answer as before the dashboard existed.
      const anonymous = await server.api("POST", "/api/v1/programs", { body: {}, headers: { origin: server.url } });
      expect(anonymous).toMatchObject({ status: 401, body: { error: { code: "unauthorized", message: "Send your API key as `Authorization: Bearer <key>`; signup answers one." } } });
      // A key decides when one is sent, cookie or not, origin or not.
      const other = await merchant(server);
      const byKey = await server.api("POST", `/api/v1/conversions/${id}/attribute`, { key: m.key, body: { affiliateId: m.affiliate.id }, headers: { cookie: other.cookie, origin: "https://evil.example" } });
      expect(byKey.status).toBe(200);
      const badKey = await server.api("POST", "/api/v1/programs", { key: "ik_wrong", body: { name: "x", url: "https://x.example", commission: { type: "percent", percent: 1 } }, headers: asMember(m) });
      expect(badKey.status).toBe(401);
      expect(badKey.body.error.message).toMatch(/not valid/);
    });

    it("lets no member touch another workspace's conversion or give it to another workspace's affiliate", async () => {
      const owner = await merchant(server);
      const other = await merchant(server);
      const id = await unattributed(owner);
      const foreign = await server.api("POST", `/api/v1/conversions/${id}/attribute`, { body: { affiliateId: other.affiliate.id }, headers: asMember(other) });
      expect(foreign.status).toBe(404);
      const stranger = await server.api("POST", `/api/v1/conversions/${id}/attribute`, { body: { affiliateId: other.affiliate.id }, headers: asMember(owner) });
      expect(stranger.status).toBe(404);
      expect((await server.api("GET", `/api/v1/conversions/${id}`, { key: owner.key })).body.affiliateId).toBeNull();
    });
  });
}
