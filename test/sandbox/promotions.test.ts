import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStripeSandbox, type StripeSandbox } from "../../sandbox/index.js";
import { eventJson } from "../../sandbox/render.js";
import { TypeChecker } from "./type-check.js";

// Coupons and promotion codes on the sandbox: objects typed as stripe-node types them, the
// discount on sessions and invoices, each API version's shape, and the code field on the
// hosted payment page.

let sandbox: StripeSandbox;
let stripe: Stripe;
let types: TypeChecker;

beforeAll(async () => {
  sandbox = await startStripeSandbox();
  stripe = new Stripe(sandbox.accounts[0].secretKey, { ...sandbox.stripeConfig, maxNetworkRetries: 0 });
  types = new TypeChecker();
});
afterAll(async () => {
  await sandbox.close();
});

/** stripe-node's own addition to every answer, which is no part of Stripe's object. */
const plain = (o: object) => Object.fromEntries(Object.entries(o).filter(([key]) => key !== "lastResponse"));

const line = (recurring = false) => ({
  price_data: { currency: "usd", unit_amount: 10_000, product_data: { name: "Plan" }, ...(recurring ? { recurring: { interval: "month" as const } } : {}) },
  quantity: 1,
});

describe("coupons and promotion codes", () => {
  it("creates and reads coupons and promotion codes as stripe-node types them, and refuses a taken code", async () => {
    const coupon = await stripe.coupons.create({ percent_off: 25, duration: "once", name: "Launch" });
    expect(types.check("coupon", plain(coupon))).toEqual([]);
    const promo = await stripe.promotionCodes.create({ promotion: { type: "coupon", coupon: coupon.id }, code: "LAUNCH25" });
    expect(types.check("promotion_code", plain(promo))).toEqual([]);
    expect((await stripe.promotionCodes.retrieve(promo.id)).code).toBe("LAUNCH25");
    expect((await stripe.promotionCodes.list({ code: "LAUNCH25" })).data.map((p) => p.id)).toEqual([promo.id]);
    expect((await stripe.coupons.retrieve(coupon.id)).percent_off).toBe(25);
    await expect(stripe.promotionCodes.create({ promotion: { type: "coupon", coupon: coupon.id }, code: "LAUNCH25" })).rejects.toMatchObject({ code: "resource_already_exists" });
    await expect(stripe.coupons.create({ duration: "once" })).rejects.toMatchObject({ statusCode: 400 });
  });

  it("discounts a session given a promotion code, renders discounts from 2025-01-27 on, and expands total_details.breakdown", async () => {
    const coupon = await stripe.coupons.create({ amount_off: 1_500, currency: "usd", duration: "once" });
    const promo = await stripe.promotionCodes.create({ promotion: { type: "coupon", coupon: coupon.id }, code: "FIFTEEN" });
    const session = await stripe.checkout.sessions.create({ mode: "payment", line_items: [line()], discounts: [{ promotion_code: promo.id }], success_url: "http://shop.test/ok" });
    expect(session).toMatchObject({ amount_subtotal: 10_000, amount_total: 8_500, discounts: [{ coupon: coupon.id, promotion_code: promo.id }], total_details: { amount_discount: 1_500 } });
    expect(sandbox.pay(session.id).ok).toBe(true);

    const expanded = await stripe.checkout.sessions.retrieve(session.id, { expand: ["total_details.breakdown"] });
    expect(types.check("checkout.session", plain(expanded))).toEqual([]);
    const [entry] = expanded.total_details?.breakdown?.discounts ?? [];
    expect(entry.amount).toBe(1_500);
    expect(entry.discount).toMatchObject({ object: "discount", promotion_code: promo.id, source: { coupon: coupon.id } });
    expect(types.check("discount", entry.discount)).toEqual([]);

    const completed = sandbox.events.find((e) => e.type === "checkout.session.completed" && e.object.current.id === session.id);
    if (!completed) throw new Error("no checkout.session.completed");
    const old = eventJson(completed, "2024-06-20", null) as { data: { object: Record<string, unknown> } };
    expect(old.data.object).not.toHaveProperty("discounts");
    expect(old.data.object.total_details).toEqual({ amount_discount: 1_500, amount_shipping: 0, amount_tax: 0 });
    const recent = eventJson(completed, "2025-01-27.acacia", null) as { data: { object: Record<string, unknown> } };
    expect(recent.data.object.discounts).toEqual([{ coupon: coupon.id, promotion_code: promo.id }]);
    // Payment charged the discounted amount.
    const charged = sandbox.events.find((e) => e.type === "charge.succeeded" && e.object.current.amount === 8_500);
    expect(charged).toBeDefined();
  });

  it("takes a code typed on the hosted page (any case), refuses an unknown one, and carries a forever coupon to every invoice", async () => {
    const coupon = await stripe.coupons.create({ percent_off: 10, duration: "forever" });
    await stripe.promotionCodes.create({ promotion: { type: "coupon", coupon: coupon.id }, code: "TENOFF" });
    const session = await stripe.checkout.sessions.create({ mode: "subscription", line_items: [line(true)], allow_promotion_codes: true, success_url: "http://shop.test/ok" });
    const page = await fetch(String(session.url));
    expect(await page.text()).toContain('name="promotion_code"');
    const refused = await fetch(String(session.url), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ email: "x@example.com", cardnumber: "4242424242424242", exp: "12 / 40", cvc: "123", promotion_code: "NOPE" }).toString(),
      redirect: "manual",
    });
    expect(refused.status).toBe(402);
    expect(await refused.text()).toContain("This code is invalid.");
    expect(sandbox.pay(session.id, { email: "sub@example.com", promotionCode: "tenoff" }).ok).toBe(true);

    const paid = await stripe.checkout.sessions.retrieve(session.id);
    expect(paid.amount_total).toBe(9_000);
    const subscriptionId = typeof paid.subscription === "string" ? paid.subscription : "";
    sandbox.advanceSubscription(subscriptionId);
    const invoices = sandbox.events.filter((e) => e.type === "invoice.paid" && e.object.legacy.subscription === subscriptionId).map((e) => e.object.current.id);
    expect(invoices).toHaveLength(2);
    for (const id of invoices) {
      const invoice = await stripe.invoices.retrieve(id, { expand: ["discounts.promotion_code"] });
      expect(invoice.amount_paid).toBe(9_000);
      const [discount] = invoice.discounts;
      expect(typeof discount === "object" && "promotion_code" in discount ? discount.promotion_code : null).toMatchObject({ code: "TENOFF" });
      const bare = await stripe.invoices.retrieve(id);
      expect(bare.discounts).toEqual([typeof discount === "object" ? discount.id : discount]);
    }
  });
});
