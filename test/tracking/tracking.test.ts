import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLICK_ID_PATTERN } from "../../server/domain/ids.js";
import { signup, startTestServer, type TestServer } from "../support/server.js";
import { storeKinds } from "../support/stores.js";

for (const kind of storeKinds) {
  describe.runIf(kind.available)(`click tracking on the ${kind.name} store`, () => {
    let server: TestServer;
    let key: string;
    let program: any;
    let firstClickProgram: any;
    let affiliate: any;
    let link: any;

    beforeAll(async () => {
      server = await startTestServer(kind);
      key = await signup(server);
      program = (await server.api("POST", "/api/v1/programs", { key, body: { name: "Shop", url: "https://shop.example.com", cookieDays: 30, commission: { type: "percent", percent: 20 } } })).body;
      firstClickProgram = (await server.api("POST", "/api/v1/programs", { key, body: { name: "First", url: "https://first.example.com", attribution: "first", commission: { type: "percent", percent: 20 } } })).body;
      affiliate = (await server.api("POST", "/api/v1/affiliates", { key, body: { programId: program.id, name: "Ann", email: "ann@example.com", code: "ann" } })).body;
      link = (await server.api("POST", "/api/v1/links", { key, body: { affiliateId: affiliate.id, path: "/pricing?plan=pro" } })).body;
    });
    afterAll(async () => {
      await server.stop();
    });

    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      server.api("POST", path, { body: JSON.stringify(body), headers: { "content-type": "text/plain", ...headers } });

    it("records a click on /r/:code and redirects to the program's site with the click id", async () => {
      const res = await server.api("GET", `/r/${link.code}?utm_source=blog`, { headers: { "user-agent": "ua-redirect" } });
      expect(res.status).toBe(302);
      const target = new URL(res.headers.get("location")!);
      expect(target.origin).toBe("https://shop.example.com");
      expect(target.pathname).toBe("/pricing");
      expect(target.searchParams.get("plan")).toBe("pro");
      expect(target.searchParams.get("utm_source")).toBe("blog");
      const clickId = target.searchParams.get("icd")!;
      expect(clickId).toMatch(CLICK_ID_PATTERN);
      expect(clickId.length).toBeLessThanOrEqual(200);
      expect(target.searchParams.get("ica")).toBe("ann");
      expect(Number(target.searchParams.get("icx")) * 1000).toBeGreaterThan(Date.now() + 29 * 24 * 3600 * 1000);
      const clicks = await server.api("GET", `/api/v1/clicks?affiliateId=${affiliate.id}`, { key });
      const recorded = clicks.body.data.find((c: any) => c.id === clickId);
      expect(recorded).toMatchObject({ affiliateId: affiliate.id, programId: program.id, linkId: link.id, userAgent: "ua-redirect" });
      expect(recorded).not.toHaveProperty("ipHash");
    });

    it("follows a deep path but never leaves the program's site", async () => {
      const deep = await server.api("GET", `/r/${link.code}/blog/post-1`);
      expect(new URL(deep.headers.get("location")!).pathname).toBe("/blog/post-1");
      // A backslash counts as a slash in an https URL: "/\\evil…" names another host, and a lone "/\\"
      // an empty one, which the URL parser refuses outright (found by the fuzz test as a 500).
      for (const attempt of [`/r/${link.code}//evil.example.com`, `/r/${link.code}/%2F%2Fevil.example.com`, `/r/${link.code}/..%2F..%2F@evil.example.com`, `/r/${link.code}/%5C`, `/r/${link.code}/%5Cevil.example.com/x`]) {
        const res = await server.api("GET", attempt);
        expect(res.status, attempt).toBe(302);
        expect(new URL(res.headers.get("location")!).origin, attempt).toBe("https://shop.example.com");
      }
      expect((await server.api("GET", "/r/nosuchlink")).status).toBe(404);
    });

    it("reuses a visitor's click within 30 minutes and counts another visitor apart", async () => {
      const one = await post("/t/click", { program: program.key, code: "ann", url: "https://shop.example.com/?via=ann", referrer: "https://blog.example" }, { "user-agent": "ua-repeat" });
      const two = await post("/t/click", { program: program.key, code: "ann", url: "https://shop.example.com/?via=ann", referrer: null }, { "user-agent": "ua-repeat" });
      const other = await post("/t/click", { program: program.key, code: "ann", url: "https://shop.example.com/", referrer: null }, { "user-agent": "ua-someone-else" });
      expect(one.status).toBe(200);
      expect(one.body).toMatchObject({ affiliate: "ann" });
      expect(two.body.clickId).toBe(one.body.clickId);
      expect(other.body.clickId).not.toBe(one.body.clickId);
    });

    it("answers CORS only for the program's own site", async () => {
      const ok = await post("/t/click", { program: program.key, code: "ann", url: "https://shop.example.com/" }, { origin: "https://shop.example.com" });
      expect(ok.headers.get("access-control-allow-origin")).toBe("https://shop.example.com");
      const sub = await post("/t/click", { program: program.key, code: "ann", url: "https://www.shop.example.com/" }, { origin: "https://www.shop.example.com" });
      expect(sub.status).toBe(200);
      const foreign = await post("/t/click", { program: program.key, code: "ann", url: "https://evil.example/" }, { origin: "https://evil.example" });
      expect(foreign.status).toBe(403);
      expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
      expect(foreign.body.error.code).toBe("origin_not_allowed");
    });

    it("records nothing for an unknown or disabled affiliate code", async () => {
      const unknown = await post("/t/click", { program: program.key, code: "nobody", url: null });
      expect(unknown).toMatchObject({ status: 404, body: { error: { code: "affiliate_not_found" } } });
      const bo = (await server.api("POST", "/api/v1/affiliates", { key, body: { programId: program.id, name: "Bo", email: "bo@example.com", code: "bo" } })).body;
      await server.api("PATCH", `/api/v1/affiliates/${bo.id}`, { key, body: { status: "disabled" } });
      expect((await post("/t/click", { program: program.key, code: "bo" })).status).toBe(404);
      expect((await server.api("GET", `/api/v1/clicks?affiliateId=${bo.id}`, { key })).body.data).toEqual([]);
      expect((await post("/t/click", { program: "pk_nope", code: "ann" })).body.error.code).toBe("program_not_found");
      expect((await post("/t/click", { program: program.key })).status).toBe(400);
    });

    it("keeps the first referral of a first-click program and replaces it in a last-click one", async () => {
      const cy = (await server.api("POST", "/api/v1/affiliates", { key, body: { programId: firstClickProgram.id, name: "Cy", email: "cy@example.com", code: "cy" } })).body;
      await server.api("POST", "/api/v1/affiliates", { key, body: { programId: firstClickProgram.id, name: "Di", email: "di@example.com", code: "di" } });
      const first = await post("/t/click", { program: firstClickProgram.key, code: "cy" }, { "user-agent": "ua-first" });
      const second = await post("/t/click", { program: firstClickProgram.key, code: "di", existing: first.body.clickId }, { "user-agent": "ua-first" });
      expect(second.body).toMatchObject({ clickId: first.body.clickId, affiliate: "cy" });
      expect((await server.api("GET", `/api/v1/clicks?programId=${firstClickProgram.id}`, { key })).body.data).toHaveLength(2);
      expect(cy.code).toBe("cy");
      await server.api("POST", "/api/v1/affiliates", { key, body: { programId: program.id, name: "Ed", email: "ed@example.com", code: "ed" } });
      const last1 = await post("/t/click", { program: program.key, code: "ann" }, { "user-agent": "ua-last" });
      const last2 = await post("/t/click", { program: program.key, code: "ed", existing: last1.body.clickId }, { "user-agent": "ua-last" });
      expect(last2.body.affiliate).toBe("ed");
      expect(last2.body.clickId).not.toBe(last1.body.clickId);
    });

    it("ties a lead's email to a click, and refuses a click id of another program", async () => {
      const clicked = await post("/t/click", { program: program.key, code: "ann" }, { "user-agent": "ua-lead" });
      expect((await post("/t/lead", { program: program.key, clickId: clicked.body.clickId, email: "Buyer@Example.com" })).status).toBe(202);
      expect((await post("/t/lead", { program: firstClickProgram.key, clickId: clicked.body.clickId, email: "b@example.com" })).status).toBe(404);
      expect((await post("/t/lead", { program: program.key, clickId: clicked.body.clickId, email: "not-an-email" })).status).toBe(400);
      const workspace = await server.store.programByKey(program.key);
      expect((await server.store.leadByEmail(workspace!.workspaceId, "buyer@example.com"))?.clickId).toBe(clicked.body.clickId);
    });

    it("serves the built snippet", async () => {
      const res = await fetch(`${server.url}/snippet.js`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("javascript");
      expect((await res.text()).length).toBeGreaterThan(100);
    });
  });
}
