import { afterAll, beforeAll, describe, expect, it } from "vitest";
import Stripe from "stripe";
import { DESKTOP_USER_AGENT } from "../support/browser.js";
import { services } from "../support/services.js";
import { signup } from "../support/server.js";
import { embeddedKind } from "../support/stores.js";
import { charge, deliver, event } from "../support/stripe-events.js";
import { startStage, type Stage } from "./stage.js";

// The reference scenario, end to end: a merchant connects Stripe, creates an affiliate and a
// link; a new visitor in a fresh browser context opens the link, lands on the shop, checks out;
// Stripe's signed webhook turns the payment into a conversion; a refund reverses part of the
// commission. Real Chromium, real HTTP, the local Stripe emulator.

describe.runIf(services.chromium)("the reference flow in a real browser", () => {
  let stage: Stage;
  let emulator: Stage["emulator"];
  let icodrip: Stage["icodrip"];
  let browser: Stage["browser"];

  beforeAll(async () => {
    stage = await startStage(embeddedKind);
    ({ emulator, icodrip, browser } = stage);
  });
  afterAll(async () => {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when the setup failed
    await stage?.close();
  });

  it("tracks a link click through checkout to a conversion, and reverses commission on refund", async () => {
    // 1. The merchant signs up, connects Stripe with a restricted key, creates a program.
    const merchantAccount = emulator.createAccount();
    const shop = await stage.openShop(new Stripe(merchantAccount.secretKey, { ...emulator.stripeConfig }));
    const key = await signup(icodrip, "Example Shop");
    const connected = await icodrip.api("POST", "/api/v1/integrations/stripe", { key, body: { restrictedKey: merchantAccount.restrictedKey } });
    expect(connected.status).toBe(201);
    const status = await icodrip.api("GET", "/api/v1/integrations/stripe", { key });
    expect(status.body).toMatchObject({ status: "connected", accounts: [{ accountId: merchantAccount.accountId, method: "restricted_key" }] });
    const [endpoint] = emulator.webhookEndpoints(merchantAccount.accountId);
    expect(endpoint.url).toBe(`${icodrip.url}/webhooks/stripe/${merchantAccount.accountId}`);

    const program = (await icodrip.api("POST", "/api/v1/programs", { key, body: { name: "Partners", url: shop.url, commission: { type: "percent", percent: 30 } } })).body;
    stage.shopOptions.programKey = program.key;
    const affiliate = (await icodrip.api("POST", "/api/v1/affiliates", { key, body: { programId: program.id, name: "Ann", email: "ann@example.com", code: "ann" } })).body;
    const link = (await icodrip.api("POST", "/api/v1/links", { key, body: { affiliateId: affiliate.id, path: "/pricing" } })).body;

    // 2. A new visitor (a fresh browser context) opens the link and lands on the shop.
    const context = await browser.newContext({ userAgent: DESKTOP_USER_AGENT });
    const page = await context.newPage();
    await page.goto(link.url);
    expect(new URL(page.url()).origin).toBe(shop.url);
    expect(new URL(page.url()).pathname).toBe("/pricing");
    const clickId = await page.waitForFunction(() => (window as any).icodrip?.referral).then((h) => h.jsonValue() as Promise<string>);
    expect(clickId).toMatch(/^icd_/);
    expect(await page.evaluate(() => (window as any).icodrip.affiliate)).toBe("ann");

    const clicks = (await icodrip.api("GET", `/api/v1/clicks?affiliateId=${affiliate.id}`, { key })).body.data;
    expect(clicks.map((c: any) => c.id)).toEqual([clickId]);
    const cookies = await context.cookies(shop.url);
    expect(cookies.find((c) => c.name === "icodrip_ref")).toMatchObject({ value: clickId, domain: "localhost", sameSite: "Lax" });

    // Stripe's no-code checkouts on the page carry the click id.
    await page.waitForFunction((id) => document.querySelector<HTMLAnchorElement>("#payment-link")!.href.includes(`client_reference_id=${id}`), clickId);
    const paymentLink = new URL(await page.getAttribute("#payment-link", "href") as string);
    expect(paymentLink.searchParams.get("prefilled_promo_code")).toBe("WELCOME");
    expect(await page.getAttribute("#pricing", "client-reference-id")).toBe(clickId);

    // 3. The visitor leaves an email, then checks out through the merchant's wrapped Stripe call.
    const lead = page.waitForResponse((r) => r.url().endsWith("/t/lead"));
    await page.fill("#email", "buyer@example.com");
    await page.click("#lead");
    expect((await lead).status()).toBe(202);
    const checkout = page.waitForResponse((r) => r.url().endsWith("/checkout"));
    await page.click("#checkout");
    expect((await checkout).status()).toBe(303);
    const [recorded] = emulator.checkoutSessions;
    expect(recorded.params).toMatchObject({ client_reference_id: clickId, customer_email: "buyer@example.com", metadata: { icodrip_click: clickId }, payment_intent_data: { metadata: { icodrip_click: clickId } } });

    // 4. Stripe reports the paid session to the endpoint Icodrip registered.
    const paid = { ...recorded.session, status: "complete", payment_status: "paid", payment_intent: "pi_e2e_1", customer_details: { email: "buyer@example.com" } };
    const delivered = await deliver(endpoint.url, event("checkout.session.completed", paid, { livemode: false }), endpoint.secret);
    expect(delivered.status).toBe(200);
    const [conversion] = (await icodrip.api("GET", "/api/v1/conversions", { key })).body.data;
    expect(conversion).toMatchObject({
      programId: program.id,
      affiliateId: affiliate.id,
      clickId,
      amount: 4_900,
      currency: "usd",
      commission: { amount: 1_470, currency: "usd" },
      status: "pending",
      matchedBy: "client_reference_id",
      stripe: { accountId: merchantAccount.accountId, checkoutSessionId: recorded.id },
    });

    // 5. A partial refund reverses commission in proportion; the log shows every delivery.
    await deliver(endpoint.url, event("charge.refunded", charge({ amount: 4_900, amountRefunded: 2_450, paymentIntent: "pi_e2e_1" })), endpoint.secret);
    const refunded = (await icodrip.api("GET", `/api/v1/conversions/${conversion.id}`, { key })).body;
    expect(refunded).toMatchObject({ refundedAmount: 2_450, commission: { amount: 735 } });
    const log = (await icodrip.api("GET", "/api/v1/webhook-deliveries", { key })).body.data;
    expect(log.map((d: any) => [d.type, d.outcome])).toEqual([
      ["charge.refunded", "processed"],
      ["checkout.session.completed", "processed"],
    ]);
    await context.close();
  });
});
