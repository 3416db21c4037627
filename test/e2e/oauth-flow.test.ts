import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import Stripe from "stripe";
import { STRIPE_API_VERSION } from "../../server/stripe/client.js";
import { ICODRIP_EVENTS } from "../../server/stripe/connect/events.js";
import { DESKTOP_USER_AGENT } from "../support/browser.js";
import { services } from "../support/services.js";
import { embeddedKind, redisKind } from "../support/stores.js";
import { deliver, event } from "../support/stripe-events.js";
import { startStage, type Stage } from "./stage.js";

// The reference scenario the way a merchant on a Connect platform lives it: sign in
// at /login, press "Connect Stripe" in Settings > Integrations, come back connected (Icodrip made
// the platform's Connect endpoint on the way); a visitor in another browser profile follows an
// affiliate's link and checks out on the shop; Stripe's Connect event, signed with the platform
// endpoint's secret, shows up in the Conversions tab; the merchant removes Icodrip in Stripe and
// the integrations page says so. Real Chromium, real HTTP, the local Stripe emulator.

const PASSWORD = "correct horse battery";

/** Script errors, CSP refusals and failed requests on a page (the browser's favicon probe aside). */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (msg) => msg.type() === "error" && !msg.text().startsWith("Failed to load resource") && errors.push(msg.text()));
  page.on("response", (r) => r.status() >= 400 && !r.url().endsWith("/favicon.ico") && errors.push(`${r.status()} ${r.url()}`));
  return errors;
}

for (const kind of [embeddedKind, redisKind]) {
  describe.runIf(services.chromium && kind.available)(`the reference flow with OAuth in a real browser, ${kind.name} store`, () => {
    let stage: Stage;
    let emulator: Stage["emulator"];
    let icodrip: Stage["icodrip"];
    let browser: Stage["browser"];

    beforeAll(async () => {
      stage = await startStage(kind);
      ({ emulator, icodrip, browser } = stage);
    });
    afterAll(async () => {
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when the setup failed
      await stage?.close();
    });

    it("connects Stripe by OAuth from the dashboard, turns a referred checkout into a conversion, and shows a deauthorization", async () => {
      // The merchant's Stripe account exists before Icodrip: its own secret key runs the shop's
      // Checkout, and it is the account the merchant approves in Stripe's OAuth screen.
      const merchantAccount = emulator.createAccount({ displayName: "Example Shop" });
      const { accountId } = merchantAccount;
      const shop = await stage.openShop(new Stripe(merchantAccount.secretKey, { ...emulator.stripeConfig }));

      // 1. The merchant signs up.
      const email = `${Math.random().toString(36).slice(2)}@example.com`;
      const signedUp = await icodrip.api("POST", "/api/v1/signup", { body: { email, password: PASSWORD, workspace: "Example Shop" } });
      expect(signedUp.status).toBe(201);
      const key = signedUp.body.apiKey as string;

      // 2. In their own browser they sign in, open Settings > Integrations and press Connect Stripe.
      const merchantContext = await browser.newContext({ userAgent: DESKTOP_USER_AGENT });
      const dashboard = await merchantContext.newPage();
      dashboard.setDefaultTimeout(8_000);
      const dashboardErrors = watchErrors(dashboard);
      await dashboard.goto(`${icodrip.url}/login`);
      await dashboard.getByLabel("Email").fill(email);
      await dashboard.getByLabel("Password").fill(PASSWORD);
      await dashboard.getByRole("button", { name: "Sign in" }).click();
      // Signed in from /login itself (no `next`), the merchant lands on the dashboard and opens
      // Settings > Integrations from its navigation.
      await dashboard.waitForURL(`${icodrip.url}/dashboard/overview`);
      await dashboard.getByRole("link", { name: "Settings › Integrations" }).click();
      await dashboard.waitForURL(`${icodrip.url}/dashboard/settings/integrations`);
      expect(await dashboard.getByRole("link", { name: "Settings › Integrations" }).getAttribute("aria-current")).toBe("page");
      await dashboard.getByText("Not connected.").waitFor();

      emulator.queueAuthorization(accountId);
      await dashboard.getByRole("link", { name: "Connect Stripe" }).click();
      await dashboard.waitForURL(`${icodrip.url}/dashboard/settings/integrations?connected=${accountId}`);
      // Stripe's authorize screen and the callback were on the way.
      const hops = emulator.requests.filter((r) => r.host === "connect").map((r) => `${r.method} ${r.path} ${r.status}`);
      expect(hops).toEqual(["GET /oauth/authorize 302", "POST /oauth/token 200"]);
      await dashboard.getByRole("status").filter({ hasText: `Connected Stripe account ${accountId}.` }).waitFor();
      await dashboard.getByText("Connected.", { exact: true }).waitFor();
      const accountRow = dashboard.getByRole("row").filter({ hasText: accountId });
      await accountRow.getByText("Connected", { exact: true }).waitFor();
      expect(await accountRow.textContent()).toContain("Stripe Connect");
      expect(await accountRow.textContent()).toContain(`${icodrip.url}/webhooks/stripe`);
      await accountRow.getByRole("button", { name: "Disconnect" }).waitFor();
      await dashboard.getByRole("button", { name: "Repair Webhooks" }).waitFor();

      // Icodrip made the platform's Connect endpoint during the flow, for every event it needs.
      const platformEndpoints = emulator.webhookEndpoints();
      expect(platformEndpoints).toHaveLength(1);
      const [endpoint] = platformEndpoints;
      expect(endpoint).toMatchObject({ url: `${icodrip.url}/webhooks/stripe`, connect: true, status: "enabled", apiVersion: STRIPE_API_VERSION, account: emulator.platformAccountId });
      expect([...endpoint.enabledEvents].sort()).toEqual([...ICODRIP_EVENTS].sort());
      // None on the connected account: Stripe refuses those.
      expect(emulator.webhookEndpoints(accountId)).toEqual([]);
      expect(emulator.isConnected(accountId)).toBe(true);
      const status = await icodrip.api("GET", "/api/v1/integrations/stripe", { key });
      expect(status.body).toEqual({
        status: "connected",
        accounts: [expect.objectContaining({ accountId, method: "oauth", livemode: false, problem: null, webhook: expect.objectContaining({ id: endpoint.id, url: endpoint.url }) })],
      });

      // 3. A program for the shop, an affiliate and a tracking link.
      const program = (await icodrip.api("POST", "/api/v1/programs", { key, body: { name: "Partners", url: shop.url, commission: { type: "percent", percent: 30 } } })).body;
      stage.shopOptions.programKey = program.key;
      const affiliate = await icodrip.api("POST", "/api/v1/affiliates", { key, body: { programId: program.id, name: "Ann Lee", email: "ann@example.com", code: "ann" } });
      expect(affiliate.status).toBe(201);
      const link = await icodrip.api("POST", "/api/v1/links", { key, body: { affiliateId: affiliate.body.id, path: "/pricing" } });
      expect(link.status).toBe(201);

      // A new visitor, in a browser profile of their own, follows the link and checks out.
      const visitorContext = await browser.newContext({ userAgent: DESKTOP_USER_AGENT });
      const visitor = await visitorContext.newPage();
      visitor.setDefaultTimeout(8_000);
      await visitor.goto(link.body.url);
      expect(new URL(visitor.url()).origin).toBe(shop.url);
      expect(new URL(visitor.url()).pathname).toBe("/pricing");
      const clickId = await visitor.waitForFunction(() => (window as any).icodrip?.referral).then((h) => h.jsonValue() as Promise<string>);
      expect(clickId).toMatch(/^icd_/);
      const checkout = visitor.waitForResponse((r) => r.url() === `${shop.url}/checkout`);
      await visitor.click("#checkout");
      expect((await checkout).status()).toBe(303);
      const [recorded] = emulator.checkoutSessions;
      expect(recorded.account).toBe(accountId);
      expect(recorded.params).toMatchObject({ client_reference_id: clickId, metadata: { icodrip_click: clickId } });
      await visitorContext.close();

      // 4. Stripe reports the paid session as a Connect event on the platform's endpoint.
      const paid = { ...recorded.session, status: "complete", payment_status: "paid", payment_intent: "pi_oauth_e2e_1", customer_details: { email: "buyer@example.com" } };
      const delivered = await deliver(`${icodrip.url}/webhooks/stripe`, event("checkout.session.completed", paid, { account: accountId }), endpoint.secret);
      expect(delivered).toEqual({ status: 200, body: { received: true, outcome: "processed" } });

      // The merchant opens the Conversions tab and sees it: sale, commission, affiliate.
      await dashboard.getByRole("link", { name: "Conversions" }).click();
      await dashboard.waitForURL(`${icodrip.url}/dashboard/conversions`);
      // The conversions table, not the totals above it (which add up to the same for one sale).
      const row = dashboard.locator("#conversions").getByRole("row").filter({ hasText: "$49.00" });
      await row.getByText("$14.70").waitFor();
      await row.getByText("Ann Lee").waitFor();
      await row.getByText("checkout reference").waitFor();
      const [conversion] = (await icodrip.api("GET", "/api/v1/conversions", { key })).body.data;
      expect(conversion).toMatchObject({
        programId: program.id,
        affiliateId: affiliate.body.id,
        clickId,
        amount: 4_900,
        currency: "usd",
        commission: { amount: 1_470, currency: "usd" },
        matchedBy: "client_reference_id",
        stripe: { accountId, checkoutSessionId: recorded.id, paymentIntentId: "pi_oauth_e2e_1" },
      });

      // 5. The merchant removes Icodrip in Stripe's Dashboard; Stripe tells the platform.
      emulator.deauthorizeAccount(accountId);
      await emulator.idle();
      const told = emulator.deliveries.filter((d) => d.eventType === "account.application.deauthorized");
      expect(told.map((d) => [d.endpointId, d.account, d.status, JSON.parse(d.response)])).toEqual([[endpoint.id, accountId, 200, { received: true, outcome: "processed" }]]);

      await dashboard.goto(`${icodrip.url}/dashboard/settings/integrations`);
      await dashboard.getByText("Not connected.").waitFor();
      const gone = dashboard.getByRole("row").filter({ hasText: accountId });
      await gone.getByText("Disconnected", { exact: true }).waitFor();
      expect(await gone.textContent()).toContain("disconnected Icodrip in its Stripe Dashboard");
      expect(await gone.getByRole("button", { name: "Disconnect" }).count()).toBe(0);
      expect(await dashboard.getByRole("button", { name: "Repair Webhooks" }).count()).toBe(0);
      expect((await icodrip.api("GET", "/api/v1/integrations/stripe", { key })).body).toMatchObject({
        status: "not_connected",
        accounts: [{ accountId, status: "disconnected", method: "oauth" }],
      });

      // Every delivery is in the log, in the order Stripe sent them.
      const log = (await icodrip.api("GET", "/api/v1/webhook-deliveries", { key })).body.data;
      expect(log.map((d: any) => [d.type, d.accountId, d.outcome])).toEqual([
        ["account.application.deauthorized", accountId, "processed"],
        ["checkout.session.completed", accountId, "processed"],
      ]);
      expect(dashboardErrors).toEqual([]);
      await merchantContext.close();
    });
  });
}
