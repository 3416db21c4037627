import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { storeKinds } from "../support/stores.js";
import { Browser, connectWithOAuth, member, PASSWORD, redirectTarget, startRig, type Rig } from "./harness.js";

for (const kind of storeKinds) {
  describe.runIf(kind.available)(`Member session and the integrations page on the ${kind.name} store`, () => {
    let rig: Rig;
    beforeAll(async () => {
      rig = await startRig(kind);
    });
    afterAll(async () => {
      await rig.stop();
    });

    const url = (path: string) => `${rig.server.url}${path}`;

    it("signs in from the login form with a signed, HttpOnly, SameSite=Lax cookie, and signs out", async () => {
      const { email } = await member(rig);
      const browser = new Browser();
      const form = new URLSearchParams({ email: email.toUpperCase(), password: PASSWORD, next: "/dashboard/settings/integrations" });
      const res = await browser.request(url("/session"), { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: form.toString() });
      expect(res.status).toBe(303);
      expect(res.headers.get("location")).toBe("/dashboard/settings/integrations");
      const cookie = Browser.setCookie(res, "icodrip_session") ?? "";
      expect(cookie).toMatch(/HttpOnly/i);
      expect(cookie).toMatch(/SameSite=Lax/i);
      expect(cookie).not.toMatch(/Secure/i);
      expect(cookie).toMatch(/Max-Age=604800/);

      expect((await browser.request(url("/dashboard/settings/integrations"))).status).toBe(200);
      expect((await browser.request(url("/session"), { method: "DELETE" })).status).toBe(204);
      expect(browser.cookies.has("icodrip_session")).toBe(false);
      expect(redirectTarget(await browser.request(url("/dashboard/settings/integrations"))).pathname).toBe("/login");
    });

    it("refuses a wrong password, a forged cookie and an off-site redirect target", async () => {
      const { email } = await member(rig);
      const wrong = await rig.server.api("POST", "/session", { body: { email, password: "not the password" } });
      expect(wrong.status).toBe(401);
      expect(wrong.body.error.code).toBe("invalid_credentials");
      const nobody = await rig.server.api("POST", "/session", { body: { email: "nobody@example.com", password: PASSWORD } });
      expect(nobody.body).toEqual(wrong.body);

      const forged = await rig.server.api("GET", "/api/v1/integrations/stripe", { headers: { cookie: "icodrip_session=mem_x.ws_y.1700000000000.forged" } });
      expect(forged.status).toBe(401);

      const browser = new Browser();
      const form = new URLSearchParams({ email, password: PASSWORD, next: "//evil.example/steal" });
      const res = await browser.request(url("/session"), { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: form.toString() });
      expect(res.headers.get("location")).toBe("/dashboard");
    });

    it("lets the dashboard call the integration API with its cookie, but only from Icodrip's own origin", async () => {
      const { browser, key } = await member(rig);
      const read = await browser.request(url("/api/v1/integrations/stripe"));
      expect(read.status).toBe(200);
      expect(await read.json()).toEqual({ status: "not_connected", accounts: [] });

      const body = JSON.stringify({ restrictedKey: rig.emulator.createAccount().restrictedKey });
      const crossSite = await browser.request(url("/api/v1/integrations/stripe"), { method: "POST", headers: { "content-type": "application/json", origin: "https://evil.example" }, body });
      expect(crossSite.status).toBe(403);
      const noOrigin = await browser.request(url("/api/v1/integrations/stripe"), { method: "POST", headers: { "content-type": "application/json" }, body });
      expect(noOrigin.status).toBe(403);
      const sameSite = await browser.request(url("/api/v1/integrations/stripe"), { method: "POST", headers: { "content-type": "application/json", origin: rig.server.url }, body });
      expect(sameSite.status).toBe(201);

      // The API key keeps working as everywhere else, and the rest of /api/v1 still wants it.
      expect((await rig.server.api("GET", "/api/v1/integrations/stripe", { key })).body.status).toBe("connected");
      expect((await browser.request(url("/api/v1/programs"))).status).toBe(401);
    });

    it("renders the integrations page with the account, its actions and the callback's message, escaped", async () => {
      const { browser } = await member(rig, "<b>Shop & Co</b>");
      const accountId = await connectWithOAuth(rig, browser);
      const res = await browser.request(url(`/dashboard/settings/integrations?connected=${accountId}`));
      expect(res.headers.get("content-security-policy")).toMatch(/script-src 'self';/);
      const page = await res.text();
      expect(page).toContain('href="/integrations/stripe/connect"');
      expect(page).toContain(`Connected Stripe account <code>${accountId}</code>`);
      expect(page).toContain(`data-disconnect="${accountId}"`);
      expect(page).toContain("Repair Webhooks");
      expect(page).toContain('name="restrictedKey"');
      expect(page).toContain("&lt;b&gt;Shop &amp; Co&lt;/b&gt;");
      expect(page).not.toContain("<b>Shop");

      const spoofed = await (await browser.request(url("/dashboard/settings/integrations?error=access_denied&message=Call%20us%20at%20555"))).text();
      expect(spoofed).toContain("You declined the connection in Stripe");
      expect(spoofed).not.toContain("Call us at 555");
      const odd = await (await browser.request(url("/dashboard/settings/integrations?error=%3Cscript%3E"))).text();
      expect(odd).not.toContain("<script>x");
      expect(odd).toContain("(script)");
    });

    it("serves the login form, which keeps only a local next path", async () => {
      const page = await (await fetch(url("/login?next=/dashboard/settings/integrations&error=invalid_credentials"))).text();
      expect(page).toContain('action="/session"');
      expect(page).toContain('value="/dashboard/settings/integrations"');
      expect(page).toContain("The email or password is wrong");
      const offsite = await (await fetch(url("/login?next=https://evil.example"))).text();
      expect(offsite).not.toContain("evil.example");
    });
  });
}
