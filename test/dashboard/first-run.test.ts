import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unreachableByStripe } from "../../server/config/public-url.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { storeKinds } from "../support/stores.js";
import { merchant, page, SERVER_ENV } from "./support.js";

// What a newcomer meets before anything is set up: a Connect button that says what enables it,
// a warning when Stripe cannot reach this server, and a page (not JSON) behind a dead link.

describe("whether Stripe can reach PUBLIC_URL", () => {
  it.each([
    ["http://localhost:8787", true],
    ["http://127.0.0.1:8787", true],
    ["http://[::1]:8787", true],
    ["http://10.1.2.3", true],
    ["http://192.168.1.20:3000", true],
    ["http://172.20.0.5", true],
    ["https://172.32.0.5", false],
    ["http://mybox:8787", true],
    ["https://icodrip.internal", true],
    ["https://shop.local", true],
    ["https://[fd00::1]", true],
    ["https://track.shop.com", false],
    ["https://203.0.113.9", false],
  ])("%s → private: %s", (url, isPrivate) => {
    const why = unreachableByStripe(url);
    if (isPrivate) expect(why).toMatch(/cannot reach/);
    else expect(why).toBeNull();
  });

  it("warns that live events need https on a public plain-http address", () => {
    expect(unreachableByStripe("http://track.shop.com")).toMatch(/https/);
  });
});

for (const kind of storeKinds) {
  describe.runIf(kind.available)(`First run on the ${kind.name} store`, () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer(kind, SERVER_ENV);
    });
    afterAll(async () => {
      await server.stop();
    });

    it("shows Connect Stripe disabled, naming the variables that enable it, and warns that a localhost URL is unreachable", async () => {
      const m = await merchant(server);
      const res = await page(server, "/dashboard/settings/integrations", m.cookie);
      expect(res.status).toBe(200);
      expect(res.html).toMatch(/<button type="button" id="connect-stripe" disabled[^>]*>Connect Stripe<\/button>/);
      expect(res.html).toContain("<code>STRIPE_SECRET_KEY</code>");
      expect(res.html).toContain("<code>STRIPE_CLIENT_ID</code>");
      expect(res.html).toMatch(/id="public-url-warning">PUBLIC_URL is http:\/\/127\.0\.0\.1:\d+, an address Stripe cannot reach/);
    });

    it("answers a dead tracking link with a small page to a browser and the error shape to an API client", async () => {
      const browser = await fetch(`${server.url}/r/nosuchcode`, { headers: { accept: "text/html,application/xhtml+xml,*/*;q=0.8" } });
      expect(browser.status).toBe(404);
      expect(browser.headers.get("content-type")).toMatch(/^text\/html/);
      expect(await browser.text()).toContain("This tracking link does not exist");
      const client = await fetch(`${server.url}/r/nosuchcode`);
      expect(client.status).toBe(404);
      expect(await client.json()).toEqual({ error: { code: "link_not_found", message: expect.stringContaining("does not exist") } });
    });
  });
}
