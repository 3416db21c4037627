import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStripeSandbox, type StripeSandbox } from "../../sandbox/index.js";

// The sandbox's page shows what merchants and buyers typed (names, URLs, emails): all of it
// escaped, and the page runs no script even if something slipped through.

let sandbox: StripeSandbox;
beforeAll(async () => {
  sandbox = await startStripeSandbox({ delivery: { retryBaseMs: 5, attempts: 1 } });
});
afterAll(async () => {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when the setup failed
  await sandbox?.close();
});

describe("the sandbox's page", () => {
  it("escapes names, URLs and emails, and forbids scripts", async () => {
    const evil = `<img src=x onerror="alert(1)">`;
    const { accountId, secretKey } = sandbox.createAccount({ displayName: evil, email: "x@example.com" });
    const stripe = new Stripe(secretKey, { ...sandbox.stripeConfig, maxNetworkRetries: 0 });
    await stripe.webhookEndpoints.create({ url: `http://127.0.0.1:9/h?a="><script>alert(2)</script>`, enabled_events: ["checkout.session.completed"] });
    const session = await stripe.checkout.sessions.create({
      mode: "payment",
      line_items: [{ price_data: { currency: "usd", unit_amount: 100, product_data: { name: `<b>${evil}</b>` } } }],
      success_url: "http://shop.test/ok",
    });
    const pay = await fetch(session.url ?? "");
    const payHtml = await pay.text();
    expect(payHtml).not.toContain("<img");
    expect(payHtml).toContain("&lt;b&gt;&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&lt;/b&gt;");
    sandbox.pay(session.id, { email: `"><svg onload=alert(3)>@example.com` });
    sandbox.pay(session.id);
    await sandbox.idle();

    const res = await fetch(`${sandbox.url}/`);
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    const html = await res.text();
    expect(html).toContain(accountId);
    for (const raw of ["<img", "<script", "<svg"]) expect(html).not.toContain(raw);
    expect(html).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
    expect(html).toContain("&lt;script&gt;alert(2)&lt;/script&gt;");
  });

  it("refuses a form posted from another site's page", async () => {
    const endpoint = await new Stripe(sandbox.accounts[0].secretKey, { ...sandbox.stripeConfig, maxNetworkRetries: 0 }).webhookEndpoints.create({
      url: "http://127.0.0.1:9/x",
      enabled_events: ["charge.refunded"],
    });
    const roll = (origin: string) => fetch(`${sandbox.url}/sandbox/endpoints/${endpoint.id}/roll`, { method: "POST", redirect: "manual", headers: { origin } });
    expect((await roll("http://evil.test")).status).toBe(403);
    expect(sandbox.webhookEndpoints(sandbox.accounts[0].accountId).find((e) => e.id === endpoint.id)?.secret).toBe(endpoint.secret);
    expect((await roll(sandbox.url)).status).toBe(303);
  });

  it("answers an unknown page, session or action with a 404 page, and a refused refund with Stripe's message", async () => {
    expect((await fetch(`${sandbox.url}/nothing`)).status).toBe(404);
    expect((await fetch(`${sandbox.url}/pay/cs_test_missing`)).status).toBe(404);
    const missing = await fetch(`${sandbox.url}/sandbox/charges/ch_missing/refund`, { method: "POST", headers: { accept: "application/json" } });
    expect(missing.status).toBe(404);
    const stripe = new Stripe(sandbox.accounts[0].secretKey, { ...sandbox.stripeConfig, maxNetworkRetries: 0 });
    const session = await stripe.checkout.sessions.create({ mode: "payment", line_items: [{ price_data: { currency: "usd", unit_amount: 500, product_data: { name: "Tea" } } }], success_url: "http://shop.test/ok" });
    sandbox.pay(session.id);
    const { payment_intent } = await stripe.checkout.sessions.retrieve(session.id);
    const charge = (await stripe.charges.list({ payment_intent: payment_intent as string })).data[0];
    const tooMuch = await fetch(`${sandbox.url}/sandbox/charges/${charge.id}/refund`, { method: "POST", body: new URLSearchParams({ amount: "600" }) });
    expect(tooMuch.status).toBe(400);
    expect(await tooMuch.text()).toContain("Refund amount (6.00 USD) is greater than unrefunded amount on charge (5.00 USD)");
  });
});
