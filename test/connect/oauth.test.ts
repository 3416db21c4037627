import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unseal } from "../../server/crypto/seal.js";
import { STRIPE_API_VERSION } from "../../server/stripe/client.js";
import { ICODRIP_EVENTS } from "../../server/stripe/connect/events.js";
import { storeKinds } from "../support/stores.js";
import { Browser, connectWithOAuth, finish, member, redirectTarget, requestsTo, startRig, toCallback, type Rig } from "./harness.js";

for (const kind of storeKinds) {
  describe.runIf(kind.available)(`Connect Stripe with OAuth on the ${kind.name} store`, () => {
    let rig: Rig;
    beforeAll(async () => {
      rig = await startRig(kind);
    });
    afterAll(async () => {
      await rig.stop();
    });

    const workspaceOf = async (key: string) => (await rig.server.api("GET", "/api/v1/integrations/stripe", { key })).body;
    const platformEndpoints = () => rig.emulator.webhookEndpoints();

    it("sends a signed-in member to Stripe for read_only access with a state bound to the browser", async () => {
      const { browser } = await member(rig);
      const res = await browser.request(`${rig.server.url}/integrations/stripe/connect`);
      const target = redirectTarget(res);
      expect(`${target.origin}${target.pathname}`).toBe(`${rig.emulator.url}/oauth/authorize`);
      const q = Object.fromEntries(target.searchParams);
      expect(q).toMatchObject({
        response_type: "code",
        client_id: rig.emulator.clientId,
        scope: "read_only",
        redirect_uri: `${rig.server.url}/integrations/stripe/callback`,
      });
      expect(q.state).toMatch(/^[A-Za-z0-9_-]{32}$/);
      const cookie = Browser.setCookie(res, "icodrip_oauth") ?? "";
      expect(cookie).toMatch(/HttpOnly/i);
      expect(cookie).toMatch(/SameSite=Lax/i);
      expect(cookie).toMatch(/Path=\/integrations\/stripe/);
      expect(cookie).not.toContain(q.state);
    });

    it("sends a visitor who is not signed in to the login page, and answers 401 to a program", async () => {
      const page = await new Browser().request(`${rig.server.url}/integrations/stripe/connect`, { headers: { accept: "text/html" } });
      const target = redirectTarget(page);
      expect(target.pathname).toBe("/login");
      expect(target.searchParams.get("next")).toBe("/integrations/stripe/connect");
      const api = await rig.server.api("GET", "/integrations/stripe/connect", { headers: { accept: "application/json" } });
      expect(api.status).toBe(401);
      expect(api.body.error.code).toBe("unauthorized");
    });

    it("connects an account, creates the platform's Connect endpoint once, and reuses it for the next merchant", async () => {
      const first = await member(rig, "First");
      const accountId = await connectWithOAuth(rig, first.browser);

      const status = await workspaceOf(first.key);
      expect(status.status).toBe("connected");
      expect(status.accounts).toHaveLength(1);
      expect(status.accounts[0]).toMatchObject({ accountId, method: "oauth", livemode: false, problem: null });

      const endpoints = platformEndpoints();
      expect(endpoints).toHaveLength(1);
      const endpoint = endpoints[0];
      expect(endpoint).toMatchObject({ connect: true, url: `${rig.server.url}/webhooks/stripe`, apiVersion: STRIPE_API_VERSION, status: "enabled" });
      expect([...endpoint.enabledEvents].sort()).toEqual([...ICODRIP_EVENTS].sort());
      expect(status.accounts[0].webhook).toMatchObject({ id: endpoint.id, url: endpoint.url, lastEventAt: null });

      // The token and the endpoint's secret are at rest only sealed.
      const store = rig.server.store;
      const connection = await store.connectionByAccount(accountId, false);
      expect(connection).toMatchObject({ method: "oauth", status: "connected", webhook: { id: endpoint.id, sealedSecret: null } });
      expect(unseal(rig.server.ctx.config.secret, "stripe-token", connection!.sealedToken)).toMatch(/^sk_test_/);
      const platform = await store.getPlatformEndpoint(false);
      expect(platform?.id).toBe(endpoint.id);
      expect(unseal(rig.server.ctx.config.secret, "webhook-secret", platform!.sealedSecret)).toBe(endpoint.secret);
      expect(rig.writes.join("\n")).not.toContain(endpoint.secret);
      expect(rig.writes.join("\n")).not.toMatch(/whsec_|sk_test_/);

      const second = await member(rig, "Second");
      const otherAccount = await connectWithOAuth(rig, second.browser);
      expect(otherAccount).not.toBe(accountId);
      expect(platformEndpoints()).toHaveLength(1);
      expect(requestsTo(rig, "POST", "/v1/webhook_endpoints")).toHaveLength(1);
      expect((await workspaceOf(second.key)).accounts.map((a: { accountId: string }) => a.accountId)).toEqual([otherAccount]);
    });

    it("tells the merchant who declined in Stripe, and stores nothing", async () => {
      const { key, browser } = await member(rig);
      const exchanges = requestsTo(rig, "POST", "/oauth/token").length;
      const page = await finish(browser, await toCallback(rig, browser, { error: "access_denied", error_description: "The user denied your request" }));
      expect(page.pathname).toBe("/dashboard/settings/integrations");
      expect(page.searchParams.get("error")).toBe("access_denied");
      expect(page.searchParams.get("message")).toMatch(/declined/);
      expect(requestsTo(rig, "POST", "/oauth/token")).toHaveLength(exchanges);
      expect(await workspaceOf(key)).toEqual({ status: "not_connected", accounts: [] });
    });

    it("refuses a callback replayed with a used state, without a second code exchange", async () => {
      const { key, browser } = await member(rig);
      const { accountId } = rig.emulator.createAccount();
      const callback = await toCallback(rig, browser, accountId);
      expect((await finish(browser, callback)).searchParams.get("connected")).toBe(accountId);
      const exchanges = requestsTo(rig, "POST", "/oauth/token").length;

      // The oauth cookie was cleared by the first visit; put it back as an attacker with the
      // browser would, so only the state's single use stands in the way.
      const replay = new Browser();
      for (const [name, c] of browser.cookies) replay.cookies.set(name, c);
      const again = await finish(replay, callback);
      expect(again.searchParams.get("error")).toBe("invalid_state");
      expect(again.searchParams.get("message")).toMatch(/used already/);
      expect(requestsTo(rig, "POST", "/oauth/token")).toHaveLength(exchanges);
      expect(rig.emulator.isConnected(accountId)).toBe(true);
      expect((await workspaceOf(key)).accounts).toHaveLength(1);
    });

    it("refuses a callback that arrives in another browser session, with no or another oauth cookie", async () => {
      const victim = await member(rig);
      const { accountId } = rig.emulator.createAccount();
      const noCookie = await finish(new Browser(), await toCallback(rig, victim.browser, accountId));
      expect(noCookie.searchParams.get("error")).toBe("state_mismatch");
      expect(noCookie.searchParams.get("message")).toMatch(/another browser/);

      const attacker = await member(rig, "Attacker");
      const attackerCallback = await toCallback(rig, attacker.browser, accountId);
      // The victim's browser has its own flow (and cookie) going when the attacker's link arrives.
      await victim.browser.request(`${rig.server.url}/integrations/stripe/connect`);
      const crossed = await finish(victim.browser, attackerCallback);
      expect(crossed.searchParams.get("error")).toBe("state_mismatch");

      expect((await workspaceOf(victim.key)).accounts).toEqual([]);
      expect((await workspaceOf(attacker.key)).accounts).toEqual([]);
    });

    it("refuses a state older than 10 minutes", async () => {
      const { key, browser } = await member(rig);
      const callback = await toCallback(rig, browser, rig.emulator.createAccount().accountId);
      const realNow = rig.server.ctx.now;
      rig.server.ctx.now = () => realNow() + 10 * 60 * 1000 + 1;
      try {
        expect((await finish(browser, callback)).searchParams.get("error")).toBe("invalid_state");
      } finally {
        rig.server.ctx.now = realNow;
      }
      expect((await workspaceOf(key)).accounts).toEqual([]);
    });

    it("reports a code Stripe refuses (invalid_grant) in a sentence, and stores nothing", async () => {
      const { key, browser } = await member(rig);
      const callback = new URL(await toCallback(rig, browser, rig.emulator.createAccount().accountId));
      callback.searchParams.set("code", "ac_notarealcode");
      const page = await finish(browser, callback.toString());
      expect(page.searchParams.get("error")).toBe("invalid_grant");
      expect(page.searchParams.get("message")).toMatch(/Authorization code does not exist: ac_notarealcode.*Press Connect Stripe again/);
      expect((await workspaceOf(key)).accounts).toEqual([]);
    });

    it("shows needs_repair when the platform endpoint is disabled, and Repair Webhooks makes a new one", async () => {
      const { key, browser } = await member(rig);
      await connectWithOAuth(rig, browser);
      const [before] = platformEndpoints();
      rig.emulator.disableEndpoint(before.id);

      const broken = await workspaceOf(key);
      expect(broken.status).toBe("needs_repair");
      expect(broken.accounts[0].problem).toMatch(/^Webhook endpoint disabled: .*press Repair Webhooks\.$/);

      const repaired = await rig.server.api("POST", "/api/v1/integrations/stripe/repair-webhooks", { key });
      expect(repaired.status).toBe(200);
      expect(repaired.body.status).toBe("connected");
      const after = platformEndpoints();
      expect(after).toHaveLength(1);
      expect(after[0].id).not.toBe(before.id);
      expect(after[0]).toMatchObject({ connect: true, status: "enabled", apiVersion: STRIPE_API_VERSION });
      expect(repaired.body.accounts[0].webhook.id).toBe(after[0].id);
      expect((await rig.server.store.getPlatformEndpoint(false))?.id).toBe(after[0].id);
    });

    it("shows a revoked token as needing a new connection", async () => {
      const { key, browser } = await member(rig);
      const accountId = await connectWithOAuth(rig, browser);
      // Stripe's account.application.deauthorized is lost on the way: only the token tells.
      rig.emulator.deauthorizeAccount(accountId, { sendEvent: false });
      const status = await workspaceOf(key);
      expect(status.status).toBe("needs_repair");
      expect(status.accounts[0].problem).toMatch(/^Token revoked: .*Connect Stripe/);
    });

    it("disconnects: revokes the OAuth access at Stripe and keeps the record as disconnected", async () => {
      const { key, browser } = await member(rig);
      const accountId = await connectWithOAuth(rig, browser);
      const res = await rig.server.api("DELETE", `/api/v1/integrations/stripe/${accountId}`, { key });
      expect(res.status).toBe(200);
      expect(res.body.status).toBe("not_connected");
      expect(res.body.accounts).toEqual([expect.objectContaining({ accountId, status: "disconnected", method: "oauth" })]);
      const deauthorize = requestsTo(rig, "POST", "/oauth/deauthorize").at(-1);
      expect(deauthorize?.body).toMatchObject({ client_id: rig.emulator.clientId, stripe_user_id: accountId });
      expect(rig.emulator.isConnected(accountId)).toBe(false);
      // The platform's endpoint serves other merchants: it stays.
      expect(platformEndpoints()).toHaveLength(1);
      const again = await rig.server.api("DELETE", `/api/v1/integrations/stripe/${accountId}`, { key });
      expect(again.status).toBe(404);
    });
  });
}
