import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMerchantSite } from "../../examples/merchant-site/app.js";
import { startStripeSandbox, type StripeSandbox } from "../../sandbox/index.js";

// The example shop as a newcomer meets it: Buy buttons that go to Checkout, and a sentence (not a
// 500 and a stack trace) when Stripe cannot be reached or refuses the key.

describe("the example shop", () => {
  let sandbox: StripeSandbox;
  beforeAll(async () => {
    sandbox = await startStripeSandbox();
  });
  afterAll(async () => {
    await sandbox.close();
  });

  const buy = (url: string, product: string) =>
    fetch(`${url}/checkout`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: `product=${product}`, redirect: "manual" });

  it("sends each Buy button to a Checkout Session of its mode, carrying the visitor's referral", async () => {
    const stripe = new Stripe(sandbox.accounts[0].secretKey, { ...sandbox.stripeConfig });
    const shop = await startMerchantSite({ icodripUrl: "http://localhost:8787", programKey: "pk_x", stripe, log: () => {} });
    try {
      const page = await (await fetch(shop.url)).text();
      expect(page.match(/<button type="submit">Buy[^<]*<\/button>/g)).toHaveLength(2);
      const one = await fetch(`${shop.url}/checkout`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", cookie: "icodrip_ref=icd_0123456789abcdefghijkl" },
        body: "product=pro",
        redirect: "manual",
      });
      expect(one.status).toBe(303);
      const sub = await buy(shop.url, "team");
      expect(sub.status).toBe(303);
      const [payment, subscription] = sandbox.checkoutSessions.slice(-2);
      expect(one.headers.get("location")).toBe(payment.session.url);
      expect(payment.params).toMatchObject({ mode: "payment", client_reference_id: "icd_0123456789abcdefghijkl" });
      expect(subscription.params).toMatchObject({ mode: "subscription" });
      expect((await buy(shop.url, "nothing")).status).toBe(400);
    } finally {
      await shop.close();
    }
  });

  it("answers a Checkout that fails with a readable page and one log line", async () => {
    const lines: string[] = [];
    const unreachable = new Stripe("sk_test_made_up", { host: "127.0.0.1", port: 9, protocol: "http", maxNetworkRetries: 0 });
    const refused = new Stripe("sk_test_made_up", { ...sandbox.stripeConfig });
    for (const [stripe, says] of [[unreachable, "could not be reached"], [refused, "refused the shop&#39;s secret key"]] as const) {
      const shop = await startMerchantSite({ icodripUrl: "http://localhost:8787", programKey: "pk_x", stripe, log: (line) => lines.push(line) });
      try {
        const res = await buy(shop.url, "pro");
        expect(res.status).toBe(502);
        const html = await res.text();
        expect(html, html).toContain(says);
        expect(html).not.toMatch(/\n\s+at .+:\d+:\d+/);
      } finally {
        await shop.close();
      }
    }
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line.split("\n")).toHaveLength(1);
  });
});
