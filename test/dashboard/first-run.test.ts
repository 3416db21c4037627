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

  it("says nothing when Stripe itself is a local stand-in (the demo's sandbox)", () => {
    expect(unreachableByStripe("http://localhost:8787", "http://127.0.0.1:8788")).toBeNull();
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

    it("opens on the sign-in page with a link to /signup, and sends a signed-in member to the dashboard", async () => {
      const res = await page(server, "/");
      expect(res.status).toBe(200);
      expect(res.html).toContain('action="/session"');
      expect(res.html).toContain('<a href="/signup">Create an account</a>');
      const m = await merchant(server);
      expect(await page(server, "/", m.cookie)).toMatchObject({ status: 303, location: "/dashboard" });
    });

    it("creates an account from the /signup page, shows the key once, and the same page for an email that has an account", async () => {
      const form = await page(server, "/signup");
      expect(form.status).toBe(200);
      expect(form.html).toContain('<form method="post" action="/signup">');
      const email = `new${Date.now()}@example.com`;
      const post = (body: Record<string, string>) =>
        fetch(`${server.url}/signup`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", origin: server.url }, body: new URLSearchParams(body).toString(), redirect: "manual" });
      const made = await post({ email, password: "a long enough password", workspace: "Page Shop" });
      expect(made.status).toBe(201);
      const html = await made.text();
      const key = /<code id="api-key" class="url">(ik_[^<]+)<\/code>/.exec(html)?.[1];
      expect(key).toBeDefined();
      expect((await server.api("GET", "/api/v1/programs", { key })).status).toBe(200);
      expect(html).toContain(`value="${email}"`);
      const signIn = await server.api("POST", "/session", { body: { email, password: "a long enough password" }, headers: { origin: server.url } });
      expect(signIn.status).toBe(201);

      const again = await post({ email, password: "another long password", workspace: "Squatter" });
      expect(again.status).toBe(201);
      const againHtml = await again.text();
      const fakeKey = /<code id="api-key" class="url">(ik_[^<]+)<\/code>/.exec(againHtml)?.[1];
      expect(fakeKey).toBeDefined();
      expect((await server.api("GET", "/api/v1/programs", { key: fakeKey })).status).toBe(401);
      expect(againHtml.replace(/ik_[^<]+/, "KEY").replace(/Squatter/g, "W")).toBe(html.replace(/ik_[^<]+/, "KEY").replace(/Page Shop/g, "W"));
    });

    it("names each bad field of the signup form and keeps what was typed", async () => {
      const res = await fetch(`${server.url}/signup`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "email=not-an-email&password=short&workspace=Mine" });
      expect(res.status).toBe(400);
      const html = await res.text();
      expect(html).toContain("<li>Email should be an email address.</li>");
      expect(html).toContain("<li>Password should be at least 10 characters.</li>");
      expect(html).toContain('value="Mine"');
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

describe.runIf(storeKinds[0].available)("First run with signup closed", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(storeKinds[0], { ...SERVER_ENV, ICODRIP_SIGNUP: "closed" });
  });
  afterAll(async () => {
    await server.stop();
  });

  it("offers no signup link and answers /signup with a page saying who can open it", async () => {
    expect((await page(server, "/")).html).not.toContain('href="/signup"');
    const closed = await page(server, "/signup");
    expect(closed.status).toBe(403);
    expect(closed.html).toContain("ICODRIP_SIGNUP=open");
  });
});
