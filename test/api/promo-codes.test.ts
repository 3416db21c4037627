import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { affiliateOut, errorOut, pageOf, programOut, promoCodeOut } from "../../server/http/present.js";
import { signup, startTestServer, type TestServer } from "../support/server.js";
import { storeKinds } from "../support/stores.js";

// POST/GET/DELETE /api/v1/promo-codes: a code belongs to one affiliate within a workspace, by its
// text (case-insensitive) and by its Stripe id.

const promoPage = pageOf(promoCodeOut);

for (const kind of storeKinds) {
  describe.runIf(kind.available)(`promotion codes API on the ${kind.name} store`, () => {
    let server: TestServer;
    let key: string;
    let otherKey: string;
    let ann: z.infer<typeof affiliateOut>;
    let bob: z.infer<typeof affiliateOut>;
    let cid: z.infer<typeof affiliateOut>;

    const call = async (method: string, path: string, k: string | undefined, body?: object) => {
      const res = await server.api(method, path, { key: k, body });
      return { status: res.status, body: res.body as unknown };
    };
    const tie = (k: string, body: object) => call("POST", "/api/v1/promo-codes", k, body);
    const list = async (k: string, query = "") => promoPage.parse((await call("GET", `/api/v1/promo-codes${query}`, k)).body);
    const affiliateOf = async (k: string, name: string, programId?: string) => {
      const program = programId ?? programOut.parse((await call("POST", "/api/v1/programs", k, { name: "Main", url: "https://shop.example.com", commission: { type: "percent", percent: 20 } })).body).id;
      return affiliateOut.parse((await call("POST", "/api/v1/affiliates", k, { programId: program, name, email: `${name.toLowerCase()}@example.com` })).body);
    };

    beforeAll(async () => {
      server = await startTestServer(kind);
      key = await signup(server);
      otherKey = await signup(server, "Other");
      ann = await affiliateOf(key, "Ann");
      bob = await affiliateOf(key, "Bob");
      cid = await affiliateOf(otherKey, "Cid");
    });
    afterAll(async () => {
      await server.stop();
    });

    it("ties a code to an affiliate, lists it (filtered by affiliate) and unties it", async () => {
      const created = await tie(key, { affiliateId: ann.id, code: "SPRING24", stripePromotionCodeId: "promo_1Spring" });
      expect(created.status).toBe(201);
      const spring = promoCodeOut.parse(created.body);
      expect(spring).toMatchObject({ affiliateId: ann.id, programId: ann.programId, code: "SPRING24", stripePromotionCodeId: "promo_1Spring" });
      expect(spring.id).toMatch(/^pcd_/);
      const byText = await tie(key, { affiliateId: bob.id, code: "BOB10" });
      expect(byText.status).toBe(201);
      expect(promoCodeOut.parse(byText.body).stripePromotionCodeId).toBeNull();

      const all = await list(key);
      expect(all.data.map((p) => p.code).sort()).toEqual(["BOB10", "SPRING24"]);
      expect(all.nextCursor).toBeNull();
      expect((await list(key, `?affiliateId=${ann.id}`)).data.map((p) => p.id)).toEqual([spring.id]);
      expect((await list(otherKey)).data).toEqual([]);

      expect((await call("DELETE", `/api/v1/promo-codes/${spring.id}`, key)).status).toBe(204);
      expect((await list(key, `?affiliateId=${ann.id}`)).data).toEqual([]);
      expect((await call("DELETE", `/api/v1/promo-codes/${spring.id}`, key)).status).toBe(404);
      // Untied, the text and the id are free again.
      expect((await tie(key, { affiliateId: bob.id, code: "spring24", stripePromotionCodeId: "promo_1Spring" })).status).toBe(201);
    });

    it("answers 409 for a second tie of the same text (any case) or the same Stripe id, and keeps the first", async () => {
      expect((await tie(key, { affiliateId: ann.id, code: "Summer", stripePromotionCodeId: "promo_1Summer" })).status).toBe(201);
      const sameText = await tie(key, { affiliateId: bob.id, code: "SUMMER" });
      expect(sameText.status).toBe(409);
      const textError = errorOut.parse(sameText.body).error;
      expect(textError.code).toBe("conflict");
      expect(textError.fields?.code).toContain("already tied");
      const sameId = await tie(key, { affiliateId: bob.id, code: "OTHER", stripePromotionCodeId: "promo_1Summer" });
      expect(sameId.status).toBe(409);
      expect(errorOut.parse(sameId.body).error.fields).toHaveProperty("stripePromotionCodeId");
      // The refused create claimed nothing: OTHER is still free.
      expect((await tie(key, { affiliateId: bob.id, code: "OTHER" })).status).toBe(201);
      // Racing creates of one text: exactly one wins.
      const race = await Promise.all([ann, bob, ann, bob].map((a) => tie(key, { affiliateId: a.id, code: "RACE" })));
      expect(race.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);
      // Another workspace is another namespace.
      expect((await tie(otherKey, { affiliateId: cid.id, code: "SUMMER" })).status).toBe(201);
    });

    it("refuses bad input, another workspace's affiliate and another workspace's code", async () => {
      expect((await tie(key, { affiliateId: ann.id, code: "has space" })).status).toBe(400);
      expect((await tie(key, { affiliateId: ann.id, code: "OK", stripePromotionCodeId: "coupon_1" })).status).toBe(400);
      expect((await tie(key, { affiliateId: ann.id, code: "OK", extra: 1 })).status).toBe(400);
      expect((await tie(key, { affiliateId: cid.id, code: "MINE" })).status).toBe(404);
      const theirs = promoCodeOut.parse((await tie(otherKey, { affiliateId: cid.id, code: "THEIRS" })).body);
      expect((await call("DELETE", `/api/v1/promo-codes/${theirs.id}`, key)).status).toBe(404);
      expect((await call("POST", "/api/v1/promo-codes", undefined, { affiliateId: ann.id, code: "NOKEY" })).status).toBe(401);
    });

    it("keeps an affiliate with tied codes from being deleted", async () => {
      const carl = await affiliateOf(key, "Carl", ann.programId);
      const carls = promoCodeOut.parse((await tie(key, { affiliateId: carl.id, code: "CARL" })).body);
      expect((await call("DELETE", `/api/v1/affiliates/${carl.id}`, key)).status).toBe(409);
      await call("DELETE", `/api/v1/promo-codes/${carls.id}`, key);
      expect((await call("DELETE", `/api/v1/affiliates/${carl.id}`, key)).status).toBe(204);
    });
  });
}
