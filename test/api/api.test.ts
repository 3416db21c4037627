import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { storeKinds } from "../support/stores.js";
import { signup, startTestServer, type TestServer } from "../support/server.js";

for (const kind of storeKinds) {
  describe.runIf(kind.available)(`JSON API on the ${kind.name} store`, () => {
    let server: TestServer;
    let key: string;
    let otherKey: string;
    beforeAll(async () => {
      server = await startTestServer(kind);
      key = await signup(server);
      otherKey = await signup(server, "Other");
    });
    afterAll(async () => {
      await server.stop();
    });

    it("answers /healthz with the store in use", async () => {
      const res = await server.api("GET", "/healthz");
      expect(res.body).toEqual({ ok: true, store: kind.name });
    });

    it("walks signup → program → affiliate → link and lists them back", async () => {
      const program = await server.api("POST", "/api/v1/programs", {
        key,
        body: { name: "Main", url: "https://shop.example.com/", commission: { type: "percent", percent: 30 } },
      });
      expect(program.status).toBe(201);
      expect(program.body).toMatchObject({ cookieDays: 60, attribution: "last", holdDays: 30, recurring: { type: "once" }, url: "https://shop.example.com" });
      expect(program.body.key).toMatch(/^pk_/);

      const affiliate = await server.api("POST", "/api/v1/affiliates", {
        key,
        body: { programId: program.body.id, name: "Ann Lee", email: "Ann@Example.com", code: "ann" },
      });
      expect(affiliate.status).toBe(201);
      expect(affiliate.body).toMatchObject({ code: "ann", email: "ann@example.com", status: "active" });

      const link = await server.api("POST", "/api/v1/links", { key, body: { affiliateId: affiliate.body.id, path: "/pricing" } });
      expect(link.status).toBe(201);
      expect(link.body.url).toBe(`${server.url}/r/${link.body.code}`);
      const moved = await server.api("PATCH", `/api/v1/links/${link.body.id}`, { key, body: { path: "/plans" } });
      expect(moved.body).toMatchObject({ path: "/plans", code: link.body.code });
      expect((await server.api("PATCH", `/api/v1/links/${link.body.id}`, { key, body: { path: "//evil.example" } })).status).toBe(400);

      for (const [path, id] of [
        ["programs", program.body.id],
        ["affiliates", affiliate.body.id],
        ["links", link.body.id],
      ]) {
        const list = await server.api("GET", `/api/v1/${path}`, { key });
        expect(list.status).toBe(200);
        expect(list.body.data.map((x: { id: string }) => x.id)).toContain(id);
        expect(list.body).toHaveProperty("nextCursor");
      }
      const byProgram = await server.api("GET", `/api/v1/affiliates?programId=${program.body.id}`, { key });
      expect(byProgram.body.data).toHaveLength(1);
    });

    it("refuses a duplicate affiliate code with 409", async () => {
      const program = await server.api("POST", "/api/v1/programs", { key, body: { name: "P", url: "https://a.example", commission: { type: "fixed", amount: 500, currency: "usd" } } });
      const body = { programId: program.body.id, name: "Bo", email: "bo@example.com", code: "bo" };
      expect((await server.api("POST", "/api/v1/affiliates", { key, body })).status).toBe(201);
      const again = await server.api("POST", "/api/v1/affiliates", { key, body });
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe("conflict");
    });

    it("names every bad field of a malformed body", async () => {
      const res = await server.api("POST", "/api/v1/programs", {
        key,
        body: { name: "", url: "ftp://x", cookieDays: 1.5, commission: { type: "percent", percent: 130 } },
      });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("invalid_request");
      expect(Object.keys(res.body.error.fields).sort()).toEqual(["commission.percent", "cookieDays", "name", "url"]);
    });

    it("answers bad JSON, bad queries, oversize bodies, unknown routes and missing keys in the error shape", async () => {
      const badJson = await server.api("POST", "/api/v1/programs", { key, body: "{nope" });
      expect(badJson).toMatchObject({ status: 400, body: { error: { code: "invalid_json" } } });
      const badQuery = await server.api("GET", "/api/v1/conversions?limit=1000&status=settled", { key });
      expect(badQuery.status).toBe(400);
      expect(Object.keys(badQuery.body.error.fields).sort()).toEqual(["limit", "status"]);
      const big = await server.api("POST", "/api/v1/programs", { key, body: { name: "x".repeat(200_000) } });
      expect(big).toMatchObject({ status: 413, body: { error: { code: "payload_too_large" } } });
      const unknown = await server.api("GET", "/api/v1/nothing-here", { key });
      expect(unknown).toMatchObject({ status: 404, body: { error: { code: "not_found" } } });
      const anonymous = await server.api("GET", "/api/v1/programs");
      expect(anonymous).toMatchObject({ status: 401, body: { error: { code: "unauthorized" } } });
      const badCursor = await server.api("GET", "/api/v1/programs?cursor=zzz", { key });
      expect(badCursor.status).toBe(400);
    });

    it("shows another workspace's ids as 404 on every endpoint", async () => {
      const program = await server.api("POST", "/api/v1/programs", { key, body: { name: "Mine", url: "https://mine.example", commission: { type: "percent", percent: 10 } } });
      const affiliate = await server.api("POST", "/api/v1/affiliates", { key, body: { programId: program.body.id, name: "Cy", email: "cy@example.com" } });
      const link = await server.api("POST", "/api/v1/links", { key, body: { affiliateId: affiliate.body.id } });
      const attempts: [string, string, unknown?][] = [
        ["GET", `/api/v1/programs/${program.body.id}`],
        ["PATCH", `/api/v1/programs/${program.body.id}`, { name: "stolen" }],
        ["DELETE", `/api/v1/programs/${program.body.id}`],
        ["GET", `/api/v1/affiliates/${affiliate.body.id}`],
        ["PATCH", `/api/v1/affiliates/${affiliate.body.id}`, { name: "stolen" }],
        ["DELETE", `/api/v1/affiliates/${affiliate.body.id}`],
        ["GET", `/api/v1/links/${link.body.id}`],
        ["PATCH", `/api/v1/links/${link.body.id}`, { path: "/stolen" }],
        ["DELETE", `/api/v1/links/${link.body.id}`],
        ["POST", "/api/v1/affiliates", { programId: program.body.id, name: "X", email: "x@example.com" }],
        ["POST", "/api/v1/links", { affiliateId: affiliate.body.id }],
        ["GET", `/api/v1/conversions/cnv_doesnotexist`],
      ];
      for (const [method, path, body] of attempts) {
        const res = await server.api(method, path, { key: otherKey, body });
        expect(res.status, `${method} ${path}`).toBe(404);
        expect(res.body.error.code).toBe("not_found");
      }
      for (const list of ["programs", "affiliates", "links", "clicks", "webhook-deliveries"]) {
        const res = await server.api("GET", `/api/v1/${list}?programId=${program.body.id}&affiliateId=${affiliate.body.id}`, { key: otherKey });
        expect(res.status).toBe(200);
        expect(res.body.data, list).toEqual([]);
      }
      // Conversions refuse a filter naming no program or affiliate of the workspace, as they
      // refuse an id that never existed: the answer tells nothing about the other workspace.
      const filtered = await server.api("GET", `/api/v1/conversions?programId=${program.body.id}&affiliateId=${affiliate.body.id}`, { key: otherKey });
      const never = await server.api("GET", "/api/v1/conversions?programId=prg_never&affiliateId=aff_never", { key: otherKey });
      expect(filtered.status).toBe(400);
      expect(filtered.body.error.fields).toEqual({ programId: "is no program of this workspace", affiliateId: "is no affiliate of this workspace" });
      expect(never.body.error.fields).toEqual(filtered.body.error.fields);
      const still = await server.api("GET", `/api/v1/programs/${program.body.id}`, { key });
      expect(still.body.name).toBe("Mine");
    });

    it("updates and deletes within the workspace", async () => {
      const program = await server.api("POST", "/api/v1/programs", { key, body: { name: "Old", url: "https://old.example", commission: { type: "percent", percent: 10 } } });
      const patched = await server.api("PATCH", `/api/v1/programs/${program.body.id}`, { key, body: { name: "New", recurring: { type: "months", months: 12 } } });
      expect(patched.body).toMatchObject({ name: "New", recurring: { type: "months", months: 12 }, key: program.body.key });
      const affiliate = await server.api("POST", "/api/v1/affiliates", { key, body: { programId: program.body.id, name: "Di", email: "di@example.com" } });
      expect((await server.api("DELETE", `/api/v1/programs/${program.body.id}`, { key })).status).toBe(409);
      const disabled = await server.api("PATCH", `/api/v1/affiliates/${affiliate.body.id}`, { key, body: { status: "disabled" } });
      expect(disabled.body.status).toBe("disabled");
      expect((await server.api("DELETE", `/api/v1/affiliates/${affiliate.body.id}`, { key })).status).toBe(204);
      expect((await server.api("DELETE", `/api/v1/programs/${program.body.id}`, { key })).status).toBe(204);
      expect((await server.api("GET", `/api/v1/programs/${program.body.id}`, { key })).status).toBe(404);
    });
  });
}
