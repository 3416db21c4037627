import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { DASHBOARD_SCRIPTS, SHARED_CHUNKS } from "../../server/dashboard/assets.js";
import type { AttributeBody, FormBody, PasswordBody, ProgramCreateBody, RestrictedKeyBody } from "../../server/dashboard/browser/api-types.js";
import { packageRoot } from "../../server/package-root.js";
import { launchChromium } from "../support/browser.js";
import { services } from "../support/services.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { embeddedKind, storeKinds } from "../support/stores.js";
import { merchant, page, SERVER_ENV } from "./support.js";

// The dashboard's scripts are modules rollup builds into dist/dashboard/ from
// server/dashboard/browser/ (so `npm run build` comes first, as for every test that needs dist/).
// The pages load them from /dashboard/assets/ under a CSP that allows same-origin scripts and no
// inline one; these tests check what is served, what is refused, and that the browser agrees.

const TABS = ["overview", "conversions", "programs", "affiliates", "payouts", "clicks", "webhooks", "settings/integrations", "settings/account"];
const scriptOf = (html: string) => /<script type="module" src="([^"]+)"><\/script>/.exec(html)?.[1];
/** The relative imports of a built module, e.g. import"./layout.js" */
const importsOf = (code: string) => [...code.matchAll(/(?:import|from)\s*"\.\/([^"]+)"/g)].map((m) => m[1]);

for (const kind of storeKinds) {
  describe.runIf(kind.available)(`The dashboard's scripts over HTTP on the ${kind.name} store`, () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer(kind, SERVER_ENV);
    });
    afterAll(async () => {
      await server.stop();
    });

    it("serves each page's script and every module it imports as JavaScript that browsers revalidate", async () => {
      const m = await merchant(server);
      const seen = new Set<string>();
      // The tabs, and one affiliate's page.
      for (const tab of [...TABS, `affiliates/${m.affiliate.id}`]) {
        const src = scriptOf((await page(server, `/dashboard/${tab}`, m.cookie)).html);
        expect(src, tab).toMatch(/^\/dashboard\/assets\/[a-z]+\.js$/);
        const queue = src ? [src] : [];
        for (let path = queue.pop(); path !== undefined; path = queue.pop()) {
          if (seen.has(path)) continue;
          seen.add(path);
          const res = await fetch(`${server.url}${path}`);
          expect(res.status, path).toBe(200);
          expect(res.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
          expect(res.headers.get("cache-control")).toBe("no-cache");
          expect(res.headers.get("x-content-type-options")).toBe("nosniff");
          const etag = res.headers.get("etag") ?? "";
          expect(etag).not.toBe("");
          const code = await res.text();
          expect(code.length).toBeGreaterThan(0);
          // A browser's revalidation is a 304 without the body. (fetch would add `cache-control:
          // no-cache` to a conditional request, which asks the server for the whole answer.)
          const again = await fetch(`${server.url}${path}`, { headers: { "if-none-match": etag, "cache-control": "max-age=0" } });
          expect(again.status).toBe(304);
          queue.push(...importsOf(code).map((name) => `/dashboard/assets/${name}`));
        }
      }
      // Every page loads the layout's (sign-out) module, itself or through an import.
      expect(seen).toContain("/dashboard/assets/layout.js");
      // The tabs' scripts, and the shared chunk the portal's script made (the portal loads no layout).
      expect([...seen].sort()).toEqual([...DASHBOARD_SCRIPTS.filter((name) => name !== "portal"), ...SHARED_CHUNKS].map((name) => `/dashboard/assets/${name}.js`).sort());
    });

    it("answers 404 for any name that is not one of the built scripts", async () => {
      for (const path of ["nope.js", "pages.js", "api-types.js", "layout.ts", "LAYOUT.js", "layout", "layout.js.map", "..%2F..%2Fpackage.json", "..%2Fsnippet.js", "%2e%2e%2fserver%2fcli.js"]) {
        const res = await fetch(`${server.url}/dashboard/assets/${path}`);
        expect(res.status, path).toBe(404);
        expect(res.headers.get("content-type")).toMatch(/^application\/json/);
      }
    });

    it("sends every page under a CSP that allows same-origin scripts only: no nonce, no inline script", async () => {
      const m = await merchant(server);
      for (const tab of TABS) {
        const csp = (await page(server, `/dashboard/${tab}`, m.cookie)).csp ?? "";
        const scriptSrc = csp.split(";").map((d) => d.trim()).find((d) => d.startsWith("script-src"));
        expect(scriptSrc, tab).toBe("script-src 'self'");
        expect(csp).toContain("default-src 'self'");
        expect(csp).toContain("frame-ancestors 'none'");
        expect(csp).toContain("base-uri 'none'");
      }
      // Pages without a script allow none at all.
      for (const path of ["/login", "/signup"]) {
        const csp = (await page(server, path)).csp ?? "";
        expect(csp, path).toContain("script-src 'none';");
      }
    });
  });
}

describe("the built dashboard scripts", () => {
  const dir = join(packageRoot(), "dist", "dashboard");

  it("are exactly the names the server serves, small, and hold no zod", () => {
    expect(readdirSync(dir).sort()).toEqual([...DASHBOARD_SCRIPTS, ...SHARED_CHUNKS].map((name) => `${name}.js`).sort());
    for (const name of [...DASHBOARD_SCRIPTS, ...SHARED_CHUNKS]) {
      const code = readFileSync(join(dir, `${name}.js`), "utf8");
      // The schemas are imported as types only; a value import would pull zod in (tens of kB).
      // The largest chunk, records.js (every record action and form), is about 5 kB.
      expect(code.length, name).toBeLessThan(8_000);
      expect(code).not.toMatch(/zod|safeParse|ZodError/i);
    }
  });

  it("type their request bodies with the server's schemas, so a field the server does not define fails tsc", () => {
    const bodies: unknown[] = [
      { name: "Shop", url: "https://shop.example.com", commission: { type: "percent", percent: undefined } } satisfies FormBody<ProgramCreateBody>,
      // @ts-expect-error: the program schema has no cookieWindow (it is cookieDays)
      { name: "Shop", url: "https://shop.example.com", commission: { type: "percent", percent: 30 }, cookieWindow: 60 } satisfies FormBody<ProgramCreateBody>,
      // @ts-expect-error: a fixed commission needs its currency
      { name: "Shop", url: "https://shop.example.com", commission: { type: "fixed", amount: 500 } } satisfies FormBody<ProgramCreateBody>,
      // @ts-expect-error: the attribute route reads affiliateId
      { affiliate: "aff_1" } satisfies AttributeBody,
      // @ts-expect-error: the password route reads currentPassword and newPassword
      { password: "x", newPassword: "y" } satisfies PasswordBody,
      // @ts-expect-error: the integrations route reads restrictedKey
      { key: "rk_test_1" } satisfies RestrictedKeyBody,
    ];
    expect(bodies).toHaveLength(6);
  });
});

describe.runIf(services.chromium)("the dashboard's scripts in a real browser", () => {
  let server: TestServer;
  let browser: Browser;
  beforeAll(async () => {
    server = await startTestServer(embeddedKind, SERVER_ENV);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser.close();
    await server.stop();
  });

  it("runs each page's script without an error or a refusal, and refuses a script injected inline", async () => {
    const m = await merchant(server);
    const context = await browser.newContext();
    const [name, value] = m.cookie.split("=");
    await context.addCookies([{ name, value, url: server.url }]);
    const tab = await context.newPage();
    tab.setDefaultTimeout(8_000);
    const errors: string[] = [];
    tab.on("pageerror", (e) => {
      errors.push(e.message);
    });
    tab.on("console", (msg) => {
      if (msg.type() === "error" && !msg.text().startsWith("Failed to load resource")) errors.push(msg.text());
    });
    tab.on("response", (r) => {
      if (r.status() >= 400 && !r.url().endsWith("/favicon.ico")) errors.push(`${String(r.status())} ${r.url()}`);
    });

    for (const path of TABS) {
      await tab.goto(`${server.url}/dashboard/${path}`);
      // An inline script, as an injection that slipped past escaping would be, does not run.
      const refused = await tab.evaluate(
        () =>
          new Promise<string>((resolve) => {
            document.addEventListener(
              "securitypolicyviolation",
              (e) => {
                resolve(e.effectiveDirective);
              },
              { once: true },
            );
            const script = document.createElement("script");
            script.textContent = "document.body.dataset.injected = 'ran'";
            document.body.append(script);
          }),
      );
      expect(refused, path).toMatch(/^script-src/);
      expect(await tab.evaluate(() => document.body.dataset.injected)).toBeUndefined();
    }
    // The layout's module runs on a page with no script of its own: Sign out works there.
    await tab.goto(`${server.url}/dashboard/clicks`);
    await tab.getByRole("button", { name: "Sign out" }).click();
    await tab.waitForURL(`${server.url}/login`);
    // The injected scripts' CSP reports aside, nothing went wrong.
    expect(errors.filter((e) => !e.includes("Content Security Policy"))).toEqual([]);
    await context.close();
  });
});
