import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLICK_ID_PATTERN } from "../../server/domain/ids.js";
import { signup, startTestServer, type TestServer } from "../support/server.js";
import { storeKinds } from "../support/stores.js";

// GET /r/CODE and the snippet's POST /t/click are answered in front of Express
// (server/http/shortcut.ts); deep paths, dead links, refusals and everything else go through Express. Both doors must answer alike, and the address's
// click limit, now counted inside the click's one commit, must hold on every click endpoint.

const LIMIT = 3;

for (const kind of storeKinds) {
  describe.runIf(kind.available)(`tracking links in front of Express, ${kind.name} store`, () => {
    let server: TestServer;
    let key: string;
    let program: any;
    let link: any;

    beforeAll(async () => {
      server = await startTestServer(kind, { TRUST_PROXY: "true", ICODRIP_CLICK_RATE_LIMIT: String(LIMIT) });
      key = await signup(server);
      program = (await server.api("POST", "/api/v1/programs", { key, body: { name: "Shop", url: "https://shop.example.com", commission: { type: "percent", percent: 20 } } })).body;
      const affiliate = (await server.api("POST", "/api/v1/affiliates", { key, body: { programId: program.id, name: "Ann", email: "ann@example.com", code: "ann" } })).body;
      link = (await server.api("POST", "/api/v1/links", { key, body: { affiliateId: affiliate.id } })).body;
    });
    afterAll(async () => {
      await server.stop();
    });

    const from = (address: string, ua = `ua-${address}`) => ({ headers: { "x-forwarded-for": address, "user-agent": ua } });
    const securityHeaders = (headers: Headers) =>
      Object.fromEntries([...headers.entries()].filter(([name]) => /^(x-|strict-|referrer-|cross-origin-|origin-agent)/.test(name)));

    it("answers a plain link with the app's security headers, the query carried over and repeated keys dropped", async () => {
      const res = await server.api("GET", `/r/${link.code}?utm_source=blog&x=1&x=2&icd=forged`, from("198.51.100.1"));
      expect(res.status).toBe(302);
      const target = new URL(res.headers.get("location")!);
      expect(target.searchParams.get("utm_source")).toBe("blog");
      expect(target.searchParams.has("x")).toBe(false);
      expect(target.searchParams.get("icd")).toMatch(CLICK_ID_PATTERN);
      expect(res.headers.get("cache-control")).toBe("no-store");
      // The same helmet headers as an answer that went through Express (bar Referrer-Policy,
      // which a tracked redirect relaxes so the shop sees where the visitor came from).
      const viaExpress = await server.api("GET", "/healthz");
      const expected = { ...securityHeaders(viaExpress.headers), "referrer-policy": "no-referrer-when-downgrade" };
      expect(Object.keys(expected).length).toBeGreaterThan(5);
      expect(securityHeaders(res.headers)).toEqual(expected);
      expect(res.headers.has("x-powered-by")).toBe(false);
    });

    it("leaves unknown codes, deep paths and other methods to Express, which answers them as before", async () => {
      const dead = await server.api("GET", "/r/zzzzzzzz", { headers: { accept: "text/html" } });
      expect(dead.status).toBe(404);
      expect(String(dead.body)).toContain("This link does not lead anywhere");
      const deep = await server.api("GET", `/r/${link.code}/pricing`, from("198.51.100.2"));
      expect(new URL(deep.headers.get("location")!).pathname).toBe("/pricing");
      expect(new URL(deep.headers.get("location")!).searchParams.get("icd")).toMatch(CLICK_ID_PATTERN);
      const head = await fetch(`${server.url}/r/${link.code}`, { method: "HEAD", redirect: "manual", ...from("198.51.100.3") });
      expect(head.status).toBe(302);
    });

    it("records an address's clicks up to the limit a minute, then sends it on without one; other addresses are unaffected", async () => {
      const address = "203.0.113.7";
      const clicks: (string | null)[] = [];
      // Each a different browser behind one address, so none is a repeat of another.
      for (let i = 0; i < LIMIT + 2; i++) {
        const res = await server.api("GET", `/r/${link.code}`, from(address, `browser-${i}`));
        expect(res.status).toBe(302);
        clicks.push(new URL(res.headers.get("location")!).searchParams.get("icd"));
      }
      expect(clicks.slice(0, LIMIT).every((id) => id && CLICK_ID_PATTERN.test(id))).toBe(true);
      expect(clicks.slice(LIMIT)).toEqual([null, null]);
      const listed = await server.api("GET", "/api/v1/clicks?limit=100", { key });
      expect(listed.body.data.filter((c: any) => clicks.includes(c.id))).toHaveLength(LIMIT);
      // The snippet's click and lead endpoints count in the same bucket.
      const snippetClick = await server.api("POST", "/t/click", { body: JSON.stringify({ program: program.key, code: "ann" }), headers: { "content-type": "text/plain", ...from(address).headers } });
      expect(snippetClick.status).toBe(429);
      expect(snippetClick.body.error.code).toBe("rate_limited");
      const lead = await server.api("POST", "/t/lead", { body: JSON.stringify({ program: program.key, clickId: clicks[0], email: "buyer@example.com" }), headers: { "content-type": "text/plain", ...from(address).headers } });
      expect(lead.status).toBe(429);
      const elsewhere = await server.api("GET", `/r/${link.code}`, from("203.0.113.8"));
      expect(new URL(elsewhere.headers.get("location")!).searchParams.get("icd")).toMatch(CLICK_ID_PATTERN);
    });

    // The snippet's POST /t/click is answered in front of Express too when it succeeds; a body
    // sent in chunks (no Content-Length) always goes through Express, so the two doors compare.
    const post = (body: string, headers: Record<string, string>, chunked = false) =>
      fetch(`${server.url}/t/click`, {
        method: "POST",
        headers,
        body: chunked ? new Blob([body]).stream() : body,
        ...(chunked ? { duplex: "half" } : {}),
      });

    it("answers the snippet's click as Express does: the referral, the CORS grant and the security headers", async () => {
      const shop = { "content-type": "text/plain;charset=UTF-8", origin: "https://shop.example.com" };
      const body = JSON.stringify({ program: program.key, code: "ann", url: "https://shop.example.com/?via=ann", referrer: null });
      const [fast, slow] = [await post(body, { ...shop, ...from("198.51.100.20").headers }), await post(body, { ...shop, ...from("198.51.100.21").headers }, true)];
      for (const res of [fast, slow]) {
        expect(res.status).toBe(200);
        expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
        expect(res.headers.get("access-control-allow-origin")).toBe("https://shop.example.com");
        expect(res.headers.get("access-control-allow-methods")).toBe("POST");
        expect(res.headers.get("vary")).toBe("Origin");
        const answer = (await res.json()) as { clickId: string; affiliate: string; expiresAt: number };
        expect(answer.clickId).toMatch(CLICK_ID_PATTERN);
        expect(answer.affiliate).toBe("ann");
        expect(answer.expiresAt).toBeGreaterThan(Date.now());
      }
      expect(securityHeaders(fast.headers)).toEqual(securityHeaders(slow.headers));
      expect(Object.keys(securityHeaders(fast.headers)).length).toBeGreaterThan(5);
    });

    it("hands a refused snippet click to Express with its body already read, which answers the error", async () => {
      const headers = { "content-type": "text/plain", ...from("198.51.100.22").headers };
      const elsewhere = await post(JSON.stringify({ program: program.key, code: "ann" }), { ...headers, origin: "https://evil.example.net" });
      expect(elsewhere.status).toBe(403);
      expect((await elsewhere.json()).error.code).toBe("origin_not_allowed");
      const broken = await post("{not json", headers);
      expect(broken.status).toBe(400);
      expect((await broken.json()).error.code).toBe("invalid_json");
      const nobody = await post(JSON.stringify({ program: program.key, code: "nobody" }), headers);
      expect(nobody.status).toBe(404);
      expect((await nobody.json()).error.code).toBe("affiliate_not_found");
      // The refusals recorded nothing: this address's one click is still to come.
      const ok = await post(JSON.stringify({ program: program.key, code: "ann" }), headers);
      expect(ok.status).toBe(200);
    });
  });
}
