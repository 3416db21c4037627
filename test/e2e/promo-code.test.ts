import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { affiliateOut, conversionOut, pageOf, programOut, promoCodeOut } from "../../server/http/present.js";
import { DESKTOP_USER_AGENT } from "../support/browser.js";
import { services } from "../support/services.js";
import { signup } from "../support/server.js";
import { embeddedKind } from "../support/stores.js";
import { startStage, type Stage } from "./stage.js";

// A podcast listener with no referral cookie: the merchant ties the affiliate's promotion code
// in Icodrip, the customer types it on Stripe's hosted payment page (the sandbox's), and the
// sandbox's signed checkout.session.completed makes the conversion that affiliate's.

describe.runIf(services.chromium)("a promotion code typed on the hosted payment page", () => {
  let stage: Stage;

  beforeAll(async () => {
    stage = await startStage(embeddedKind);
  });
  afterAll(async () => {
    await stage.close();
  });

  it("credits the affiliate whose code the customer typed, with no click at all", async () => {
    const { emulator, icodrip, browser } = stage;
    const account = emulator.createAccount();
    const key = await signup(icodrip, "Podcast Shop");
    expect((await icodrip.api("POST", "/api/v1/integrations/stripe", { key, body: { restrictedKey: account.restrictedKey } })).status).toBe(201);
    const body = async (method: string, path: string, payload?: object) => (await icodrip.api(method, path, { key, body: payload })).body as unknown;
    const program = programOut.parse(await body("POST", "/api/v1/programs", { name: "Partners", url: "https://shop.example.com", commission: { type: "percent", percent: 25 } }));
    const ann = affiliateOut.parse(await body("POST", "/api/v1/affiliates", { programId: program.id, name: "Ann", email: "ann@example.com", code: "ann" }));
    // Tied by its text only: Icodrip learns the code's text from Stripe when the payment names its id.
    promoCodeOut.parse(await body("POST", "/api/v1/promo-codes", { affiliateId: ann.id, code: "ANNPOD" }));

    // The merchant's Stripe: a 10% coupon and Ann's code; a Checkout Session that takes codes.
    const stripe = new Stripe(account.secretKey, { ...emulator.stripeConfig });
    const coupon = await stripe.coupons.create({ percent_off: 10, duration: "once" });
    const promo = await stripe.promotionCodes.create({ promotion: { type: "coupon", coupon: coupon.id }, code: "ANNPOD" });
    const session = await stripe.checkout.sessions.create({
      mode: "payment",
      line_items: [{ price_data: { currency: "usd", unit_amount: 5_000, product_data: { name: "Course" } }, quantity: 1 }],
      allow_promotion_codes: true,
      // Any page will do as the shop's thank-you page; this one is up.
      success_url: `${icodrip.url}/healthz?session_id={CHECKOUT_SESSION_ID}`,
    });

    const context = await browser.newContext({ userAgent: DESKTOP_USER_AGENT });
    const page = await context.newPage();
    // The shop is never visited: no icodrip_ref cookie, no click id on the session.
    await page.goto(z.string().parse(session.url));
    await page.fill("#email", "listener@example.com");
    await page.fill("#cardnumber", "4242 4242 4242 4242");
    await page.fill("#exp", "12 / 34");
    await page.fill("#cvc", "123");
    await page.getByLabel("Promotion code").fill("annpod");
    await Promise.all([page.waitForURL(`${icodrip.url}/healthz**`), page.click("button[type=submit]")]);
    expect(await context.cookies()).toEqual([]);
    await emulator.idle();

    const [conversion] = pageOf(conversionOut).parse(await body("GET", "/api/v1/conversions")).data;
    expect(conversion).toMatchObject({
      affiliateId: ann.id,
      clickId: null,
      matchedBy: "promo_code",
      amount: 4_500,
      commission: { amount: 1_125, currency: "usd" },
      customerEmail: "listener@example.com",
      stripe: { checkoutSessionId: session.id },
    });
    expect(conversion.matchDetail).toBe(`Matched by promotion code ANNPOD (${promo.id}) tied to affiliate ann (${ann.id}).`);
    await context.close();
  });
});
