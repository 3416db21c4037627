import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signup, startTestServer, type TestServer } from "../support/server.js";
import { storeKinds } from "../support/stores.js";

// Two people editing different fields of one record at the same moment: both edits land, because
// the store applies each PATCH to the record as it is when the change commits.

for (const kind of storeKinds) {
  describe.runIf(kind.available)(`Simultaneous PATCHes on the ${kind.name} store`, () => {
    let server: TestServer;
    let key: string;
    beforeAll(async () => {
      server = await startTestServer(kind);
      key = await signup(server);
    });
    afterAll(async () => {
      await server.stop();
    });

    it("keeps both of two simultaneous edits of different fields, for programs, affiliates and links", async () => {
      const program = await server.api("POST", "/api/v1/programs", { key, body: { name: "P", url: "https://shop.example.com", commission: { type: "percent", percent: 10 } } });
      const affiliate = await server.api("POST", "/api/v1/affiliates", { key, body: { programId: program.body.id, name: "Ann", email: "ann@example.com", code: "annrace" } });
      const link = await server.api("POST", "/api/v1/links", { key, body: { affiliateId: affiliate.body.id } });
      for (let round = 1; round <= 15; round++) {
        await Promise.all([
          server.api("PATCH", `/api/v1/programs/${program.body.id}`, { key, body: { cookieDays: round } }),
          server.api("PATCH", `/api/v1/programs/${program.body.id}`, { key, body: { holdDays: round } }),
          server.api("PATCH", `/api/v1/programs/${program.body.id}`, { key, body: { name: `P${round}` } }),
          server.api("PATCH", `/api/v1/affiliates/${affiliate.body.id}`, { key, body: { name: `Ann ${round}` } }),
          server.api("PATCH", `/api/v1/affiliates/${affiliate.body.id}`, { key, body: { code: `annrace${round}` } }),
          server.api("PATCH", `/api/v1/links/${link.body.id}`, { key, body: { path: `/p${round}` } }),
        ]);
        const p = await server.api("GET", `/api/v1/programs/${program.body.id}`, { key });
        expect(p.body).toMatchObject({ cookieDays: round, holdDays: round, name: `P${round}` });
        const a = await server.api("GET", `/api/v1/affiliates/${affiliate.body.id}`, { key });
        expect(a.body).toMatchObject({ name: `Ann ${round}`, code: `annrace${round}` });
        const l = await server.api("GET", `/api/v1/links/${link.body.id}`, { key });
        expect(l.body.path).toBe(`/p${round}`);
      }
    });

    it("answers 404 for a PATCH of a record that is gone", async () => {
      const gone: [string, unknown][] = [["/api/v1/programs/prg_gone", { name: "x" }], ["/api/v1/affiliates/aff_gone", { name: "x" }], ["/api/v1/links/lnk_gone", { path: "/x" }]];
      for (const [path, body] of gone) {
        const res = await server.api("PATCH", path, { key, body });
        expect(res.status).toBe(404);
        expect(res.body.error.code).toBe("not_found");
      }
    });
  });
}
