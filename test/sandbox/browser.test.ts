import type { Browser } from "playwright-core";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStripeSandbox, type StripeSandbox } from "../../sandbox/index.js";
import { launchChromium } from "../support/browser.js";
import { services } from "../support/services.js";

// The sandbox's pages in real Chromium, as a merchant and a buyer use them: the Connect account
// chooser, the hosted payment page (a declined card, then 4242), and the sandbox's own page
// with its Refund, Advance and Roll secret buttons.

describe.runIf(services.chromium)("the sandbox's pages in a browser", () => {
  let sandbox: StripeSandbox;
  let browser: Browser;
  let stripe: Stripe;

  beforeAll(async () => {
    sandbox = await startStripeSandbox({ delivery: { retryBaseMs: 10 } });
    browser = await launchChromium();
    stripe = new Stripe(sandbox.accounts[0].secretKey, { ...sandbox.stripeConfig, maxNetworkRetries: 0 });
  });
  afterAll(async () => {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when the setup failed
    await browser?.close();
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when the setup failed
    await sandbox?.close();
  });

  it("lets the merchant choose an account on the Connect page and sends the browser back with a code", async () => {
    const page = await browser.newPage();
    page.setDefaultTimeout(8_000);
    const back = `${sandbox.url}/`;
    const query = new URLSearchParams({ response_type: "code", client_id: sandbox.clientId, scope: "read_write", redirect_uri: back, state: "st1" });
    await page.goto(`${sandbox.url}/oauth/authorize?${query}`);
    await page.getByRole("button", { name: /Demo Shop/ }).waitFor();
    await page.getByRole("button", { name: /Create a new account/ }).waitFor();
    await page.getByRole("button", { name: "Deny" }).waitFor();
    await page.getByRole("button", { name: /Second Shop/ }).click();
    await page.waitForURL((url) => url.searchParams.has("code"));
    const landed = new URL(page.url());
    expect(landed.searchParams.get("state")).toBe("st1");
    const token = await new Stripe(sandbox.platformKey, { ...sandbox.stripeConfig }).oauth.token({ grant_type: "authorization_code", code: landed.searchParams.get("code") ?? "" });
    expect(token.stripe_user_id).toBe(sandbox.accounts[1].accountId);
    await page.close();
  });

  it("declines 4000 0000 0000 0002 on the hosted page, then pays with 4242 and returns to success_url", async () => {
    const session = await stripe.checkout.sessions.create({
      mode: "payment",
      line_items: [{ price_data: { currency: "usd", unit_amount: 4_900, product_data: { name: "Pro plan" } } }],
      customer_email: "buyer@example.com",
      success_url: `${sandbox.url}/?paid={CHECKOUT_SESSION_ID}`,
    });
    const page = await browser.newPage();
    page.setDefaultTimeout(8_000);
    await page.goto(session.url ?? "");
    expect(await page.getByLabel("Email").inputValue()).toBe("buyer@example.com");
    expect(await page.getByLabel("Card number").getAttribute("autocomplete")).toBe("cc-number");
    expect(await page.getByLabel("Email").getAttribute("autocomplete")).toBe("email");

    await page.getByLabel("Card number").fill("4000 0000 0000 0002");
    await page.getByLabel("Expiry").fill("12 / 34");
    await page.getByLabel("CVC").fill("123");
    await page.getByRole("button", { name: "Pay" }).click();
    await page.getByRole("alert").filter({ hasText: "Your card was declined." }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/pay/${session.id}`);
    expect(sandbox.events).toEqual([]);

    await page.getByLabel("Card number").fill("4242 4242 4242 4242");
    await page.getByLabel("Expiry").fill("12 / 34");
    await page.getByLabel("CVC").fill("123");
    await page.getByRole("button", { name: "Pay" }).click();
    await page.waitForURL(`${sandbox.url}/?paid=${session.id}`);
    expect((await stripe.checkout.sessions.retrieve(session.id)).payment_status).toBe("paid");
    await page.close();
  });

  it("refunds, advances a subscription and rolls a secret from the sandbox's page", async () => {
    const endpoint = await stripe.webhookEndpoints.create({ url: "http://127.0.0.1:9/hook", enabled_events: ["invoice.paid"] });
    const session = await stripe.checkout.sessions.create({
      mode: "subscription",
      line_items: [{ price_data: { currency: "usd", unit_amount: 1_000, product_data: { name: "Club" }, recurring: { interval: "month" } } }],
      success_url: "http://shop.test/ok",
    });
    sandbox.pay(session.id);
    const page = await browser.newPage();
    page.setDefaultTimeout(8_000);
    await page.goto(sandbox.url);

    const charge = (await stripe.charges.list({ limit: 1 })).data[0];
    const row = page.getByRole("row").filter({ hasText: charge.id });
    await row.getByRole("button", { name: "Refund" }).click();
    await page.waitForURL(`${sandbox.url}/#payments`);
    await page.getByRole("row").filter({ hasText: charge.id }).getByText("refunded", { exact: true }).waitFor();
    expect((await stripe.charges.retrieve(charge.id)).refunded).toBe(true);

    const subscriptionRow = page.getByRole("row").filter({ hasText: session.id ? ((await stripe.checkout.sessions.retrieve(session.id)).subscription as string) : "" });
    await subscriptionRow.getByRole("button", { name: "Advance to next invoice" }).click();
    await page.waitForURL(`${sandbox.url}/#subscriptions`);
    expect(sandbox.events.filter((e) => e.type === "invoice.paid").map((e) => (e.object.current as { billing_reason?: string }).billing_reason)).toEqual(["subscription_create", "subscription_cycle"]);

    const before = endpoint.secret ?? "";
    await page.getByRole("row").filter({ hasText: endpoint.id }).getByRole("button", { name: "Roll secret" }).click();
    await page.waitForURL(`${sandbox.url}/#endpoints`);
    const after = sandbox.webhookEndpoints(sandbox.accounts[0].accountId).find((e) => e.id === endpoint.id)?.secret ?? "";
    expect(after).not.toBe(before);
    await page.getByText(after).waitFor();
    // Every delivery to the dead endpoint is listed with its failure.
    await sandbox.idle();
    await page.reload();
    expect(await page.locator("#deliveries").textContent()).toContain("no answer");
    await page.close();
  });
});
