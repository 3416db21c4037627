import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../server/config/config.js";
import { startServer, type RunningServer } from "../../server/serve.js";
import { merchant, SERVER_ENV } from "../dashboard/support.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { openAt, storeKinds } from "../support/stores.js";

// Two instances on one store: A takes the merchant's changes, B answers the clicks from its link
// cache. B's clock is the test's, so "within a second" is a second of B's clock, not a wait: B
// keeps answering from its cache until its clock has moved a second, and then its next click
// follows the change. On the instance that made a change, the next click follows it at once.

const DAY_MS = 24 * 3600 * 1000;

for (const kind of storeKinds) {
  describe.runIf(kind.available)(`the click path's link cache across two instances on the ${kind.name} store`, () => {
    let a: TestServer | undefined;
    let b: RunningServer | undefined;
    afterEach(async () => {
      await b?.close();
      await b?.ctx.store.close();
      await a?.stop();
    });

    it("follows a cookie window, a disabled affiliate, a disabled program and a deleted link on another instance within a second", async () => {
      a = await startTestServer(kind, SERVER_ENV);
      const location = a.handle.location;
      if (!location) throw new Error("this store kind has no location for a second instance");
      let clock = Date.now();
      const env = { NODE_ENV: "test", PORT: "0", DATA_DIR: mkdtempSync(join(tmpdir(), "icodrip-b-")), ...SERVER_ENV, ICODRIP_CLICK_RATE_LIMIT: "1000" };
      b = await startServer(loadConfig(env), { store: await openAt(location), log: pino({ level: "silent" }), now: () => clock });
      const m = await merchant(a);
      const link = await a.api("POST", "/api/v1/links", { key: m.key, body: { affiliateId: m.affiliate.id } });
      const visit = async (server: { url: string }, n: number) => {
        const res = await fetch(`${server.url}/r/${link.body.code}`, { redirect: "manual", headers: { "user-agent": `visitor-${n}` } });
        const location = res.headers.get("location");
        return { status: res.status, params: location ? new URL(location).searchParams : null };
      };
      const days = (params: URLSearchParams | null) => Math.round((Number(params?.get("icx")) * 1000 - clock) / DAY_MS);

      expect(days((await visit(b, 1)).params)).toBe(60); // B reads and caches the link, program and affiliate

      // The cookie window, changed on A: B still answers from its cache within the second, then follows.
      await a.api("PATCH", `/api/v1/programs/${m.program.id}`, { key: m.key, body: { cookieDays: 7 } });
      expect(days((await visit(b, 2)).params)).toBe(60);
      clock += 1_001;
      expect(days((await visit(b, 3)).params)).toBe(7);
      // The instance that made the change follows it at once.
      expect(Math.round((Number((await visit(a, 4)).params?.get("icx")) * 1000 - Date.now()) / DAY_MS)).toBe(7);

      // A disabled affiliate: after a second B records no click (the visitor still reaches the site).
      await a.api("PATCH", `/api/v1/affiliates/${m.affiliate.id}`, { key: m.key, body: { status: "disabled" } });
      clock += 1_001;
      const disabled = await visit(b, 5);
      expect(disabled.status).toBe(302);
      expect(disabled.params?.get("icd")).toBeNull();
      await a.api("PATCH", `/api/v1/affiliates/${m.affiliate.id}`, { key: m.key, body: { status: "active" } });
      clock += 1_001;
      expect((await visit(b, 6)).params?.get("icd")).toMatch(/^icd_/);

      // The snippet's clicks (POST /t/click) read the program by key and the affiliate by code
      // through the same cache: a program disabled on A is refused by B after a second.
      const snippetClick = (n: number) =>
        fetch(`${b?.url ?? ""}/t/click`, {
          method: "POST",
          headers: { "content-type": "text/plain", "user-agent": `snippet-${n}` },
          body: JSON.stringify({ program: m.program.key, code: m.affiliate.code, url: "https://shop.example.com/?via=x" }),
        });
      expect((await snippetClick(1)).status).toBe(200);
      await a.api("PATCH", `/api/v1/programs/${m.program.id}`, { key: m.key, body: { status: "disabled" } });
      expect((await snippetClick(2)).status).toBe(200);
      clock += 1_001;
      expect((await snippetClick(3)).status).toBe(409);
      await a.api("PATCH", `/api/v1/programs/${m.program.id}`, { key: m.key, body: { status: "active" } });
      clock += 1_001;
      expect((await snippetClick(4)).status).toBe(200);

      // A deleted link: after a second B answers that it does not exist.
      expect((await a.api("DELETE", `/api/v1/links/${link.body.id}`, { key: m.key })).status).toBe(204);
      clock += 1_001;
      const gone = await visit(b, 7);
      expect(gone.status).toBe(404);
    });
  });
}
