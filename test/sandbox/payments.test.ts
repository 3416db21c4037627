import Stripe from "stripe";
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStripeSandbox, type StripeSandbox } from "../../sandbox/index.js";
import { ICODRIP_EVENTS } from "../../server/stripe/connect/events.js";
import { normalizeEvent } from "../../server/stripe/normalize.js";
import { startReceiver, type Receiver } from "./receiver.js";

// A whole purchase against the sandbox over real HTTP: stripe-node creates the Checkout Session
// for a connected account, the buyer's form post pays it on the hosted page, and the signed
// events reach a receiver that verifies them with stripe-node and reads them with Icodrip's own
// normalizer, once per API version family.

const NEW_VERSION = "2026-10-28.endive";
const OLD_VERSION = "2023-10-16";

let sandbox: StripeSandbox;
let receiver: Receiver;
let demo: StripeSandbox["accounts"][number];
let merchant: Stripe;

const client = (key: string, extra: { stripeAccount?: string } = {}) => new Stripe(key, { ...sandbox.stripeConfig, maxNetworkRetries: 0, ...extra });

/** The buyer submits the hosted page's form, as the browser does. */
async function submitPayment(sessionUrl: string, cardNumber: string, email = "buyer@example.com"): Promise<Response> {
  return fetch(sessionUrl, { method: "POST", redirect: "manual", body: new URLSearchParams({ email, cardnumber: cardNumber, exp: "12 / 34", cvc: "123" }) });
}

beforeAll(async () => {
  sandbox = await startStripeSandbox({ delivery: { retryBaseMs: 10 } });
  receiver = await startReceiver();
  demo = sandbox.accounts[0];
  // Demo Shop connects to the platform by OAuth.
  sandbox.queueAuthorization(demo.accountId);
  const params = new URLSearchParams({ response_type: "code", client_id: sandbox.clientId, scope: "read_write", redirect_uri: "http://127.0.0.1:1/cb" });
  const back = new URL((await fetch(`${sandbox.url}/oauth/authorize?${params}`, { redirect: "manual" })).headers.get("location") ?? "");
  const platform = client(sandbox.platformKey);
  await platform.oauth.token({ grant_type: "authorization_code", code: back.searchParams.get("code") ?? "" });
  merchant = client(sandbox.platformKey, { stripeAccount: demo.accountId });
  // The platform's Connect endpoints, one per API version family.
  for (const [path, version] of [["/new", NEW_VERSION], ["/old", OLD_VERSION]] as const) {
    const endpoint = await platform.webhookEndpoints.create({ url: `${receiver.url}${path}`, enabled_events: [...ICODRIP_EVENTS], connect: true, api_version: version });
    receiver.expect(path, endpoint.secret ?? "");
  }
});
afterAll(async () => {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when the setup failed
  await sandbox?.close();
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when the setup failed
  await receiver?.close();
});

/** What Icodrip makes of a delivered event. */
function normalized(event: Stripe.Event) {
  const result = normalizeEvent(JSON.parse(JSON.stringify(event)));
  if (!result.ok) throw new Error(result.message);
  return result;
}

/** A port nothing listens on: one the system just handed out and took back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const only = <T>(items: T[]): T => {
  expect(items).toHaveLength(1);
  return items[0];
};

describe("payment mode", () => {
  let session: Stripe.Checkout.Session;

  it("pays with 4242 on the hosted page, returns to success_url and creates the customer, payment intent and charge", async () => {
    session = await merchant.checkout.sessions.create({
      mode: "payment",
      line_items: [{ price_data: { currency: "usd", unit_amount: 4_900, product_data: { name: "Pro plan" } }, quantity: 1 }],
      customer_email: "buyer@example.com",
      client_reference_id: "icd_pay1",
      metadata: { icodrip_click: "icd_pay1" },
      payment_intent_data: { metadata: { icodrip_click: "icd_pay1", order: "42" } },
      success_url: "http://shop.test/thanks?session_id={CHECKOUT_SESSION_ID}",
      cancel_url: "http://shop.test/pricing",
    });
    expect(session.url).toBe(`${sandbox.url}/pay/${session.id}`);

    const page = await fetch(session.url ?? "");
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toMatch(/<input[^>]*autocomplete="email"[^>]*value="buyer@example.com"/);
    expect(html).toMatch(/<input[^>]*autocomplete="cc-number"/);
    expect(html).toContain("49.00 USD");

    const paid = await submitPayment(session.url ?? "", "4242 4242 4242 4242");
    expect(paid.status).toBe(303);
    expect(paid.headers.get("location")).toBe(`http://shop.test/thanks?session_id=${session.id}`);

    const after = await merchant.checkout.sessions.retrieve(session.id);
    expect(after).toMatchObject({ status: "complete", payment_status: "paid", customer_details: { email: "buyer@example.com" } });
    const pi = await merchant.paymentIntents.retrieve(after.payment_intent as string);
    expect(pi).toMatchObject({ status: "succeeded", amount: 4_900, currency: "usd", customer: after.customer, metadata: { icodrip_click: "icd_pay1", order: "42" } });
    const charge = await merchant.charges.retrieve(pi.latest_charge as string);
    expect(charge).toMatchObject({ paid: true, amount: 4_900, amount_refunded: 0, refunded: false, payment_intent: pi.id, metadata: pi.metadata });
    const customer = await merchant.customers.retrieve(after.customer as string);
    expect(customer).toMatchObject({ object: "customer", email: "buyer@example.com" });
  });

  it("delivers a signed checkout.session.completed to both Connect endpoints, with the account, readable by Icodrip in each version", async () => {
    await sandbox.idle();
    for (const path of ["/new", "/old"]) {
      const event = only(receiver.verified(path, "checkout.session.completed").filter((e) => (e.data.object as { id: string }).id === session.id));
      expect(event.account).toBe(demo.accountId);
      expect(event.api_version).toBe(path === "/new" ? NEW_VERSION : OLD_VERSION);
      const { data } = normalized(event);
      expect(data).toMatchObject({
        type: "checkout_session",
        session: { id: session.id, mode: "payment", paymentStatus: "paid", amountTotal: 4_900, currency: "usd", clientReferenceId: "icd_pay1", metadataClickId: "icd_pay1", email: "buyer@example.com" },
      });
    }
    // Events Icodrip does not listen for are not sent to it.
    expect(receiver.received.filter((r) => r.body.type === "payment_intent.succeeded")).toEqual([]);
    expect(sandbox.events.filter((e) => e.accountId === demo.accountId).map((e) => e.type)).toEqual([
      "customer.created",
      "payment_intent.created",
      "charge.succeeded",
      "payment_intent.succeeded",
      "checkout.session.completed",
    ]);
  });

  it("refunds in part and then in full: the charge's amount_refunded and refunded follow, and charge.refunded is delivered each time", async () => {
    const { payment_intent } = await merchant.checkout.sessions.retrieve(session.id);
    const first = await merchant.refunds.create({ payment_intent: payment_intent as string, amount: 1_000 });
    expect(first).toMatchObject({ object: "refund", amount: 1_000, status: "succeeded", payment_intent });
    let charge = await merchant.charges.retrieve(first.charge as string);
    expect(charge).toMatchObject({ amount_refunded: 1_000, refunded: false });
    // The rest from the sandbox's page, as the merchant presses Refund.
    const pressed = await fetch(`${sandbox.url}/sandbox/charges/${charge.id}/refund`, { method: "POST", redirect: "manual", body: new URLSearchParams({ amount: "" }) });
    expect(pressed.status).toBe(303);
    charge = await merchant.charges.retrieve(charge.id);
    expect(charge).toMatchObject({ amount_refunded: 4_900, refunded: true });
    const again = await merchant.refunds.create({ charge: charge.id }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect((again as Stripe.errors.StripeError).code).toBe("charge_already_refunded");

    await sandbox.idle();
    for (const path of ["/new", "/old"]) {
      const refunds = receiver.verified(path, "charge.refunded").filter((e) => (e.data.object as Stripe.Charge).id === charge.id);
      expect(refunds.map((e) => normalized(e).data)).toEqual([
        { type: "charge_refunded", charge: { id: charge.id, paymentIntentId: payment_intent, invoiceId: null, amount: 4_900, amountRefunded: 1_000, currency: "usd" } },
        { type: "charge_refunded", charge: { id: charge.id, paymentIntentId: payment_intent, invoiceId: null, amount: 4_900, amountRefunded: 4_900, currency: "usd" } },
      ]);
    }
  });

  it("declines 4000 0000 0000 0002: the page stays and says so; no charge, no event, no delivery", async () => {
    const declined = await merchant.checkout.sessions.create({
      mode: "payment",
      line_items: [{ price_data: { currency: "eur", unit_amount: 1_500, product_data: { name: "Mug" } } }],
      success_url: "http://shop.test/thanks",
    });
    const events = sandbox.events.length;
    const deliveries = sandbox.deliveries.length;
    const charges = (await merchant.charges.list()).data.length;
    const res = await submitPayment(declined.url ?? "", "4000 0000 0000 0002", "decline@example.com");
    expect(res.status).toBe(402);
    const html = await res.text();
    expect(html).toContain("Your card was declined.");
    expect(html).toContain('value="decline@example.com"');
    await sandbox.idle();
    expect(sandbox.events.length).toBe(events);
    expect(sandbox.deliveries.length).toBe(deliveries);
    expect((await merchant.charges.list()).data.length).toBe(charges);
    expect(await merchant.checkout.sessions.retrieve(declined.id)).toMatchObject({ status: "open", payment_status: "unpaid", payment_intent: null, customer: null });
  });
});

describe("subscription mode", () => {
  let session: Stripe.Checkout.Session;

  it("pays the first invoice: subscription, invoice (paid), payment intent and charge, with subscription_data.metadata carried to the invoice", async () => {
    session = await merchant.checkout.sessions.create({
      mode: "subscription",
      line_items: [{ price_data: { currency: "usd", unit_amount: 2_500, product_data: { name: "Team" }, recurring: { interval: "month" } }, quantity: 2 }],
      customer_email: "team@example.com",
      client_reference_id: "icd_sub1",
      subscription_data: { metadata: { icodrip_click: "icd_sub1" } },
      success_url: "http://shop.test/welcome?s={CHECKOUT_SESSION_ID}",
    });
    const paid = await submitPayment(session.url ?? "", "4242424242424242", "team@example.com");
    expect(paid.headers.get("location")).toBe(`http://shop.test/welcome?s=${session.id}`);

    const after = await merchant.checkout.sessions.retrieve(session.id);
    expect(after).toMatchObject({ status: "complete", payment_status: "paid", amount_total: 5_000, payment_intent: null });
    const subscription = await merchant.subscriptions.retrieve(after.subscription as string);
    expect(subscription).toMatchObject({ status: "active", customer: after.customer, metadata: { icodrip_click: "icd_sub1" }, latest_invoice: after.invoice });
    expect(subscription.items.data[0]).toMatchObject({ quantity: 2, price: { unit_amount: 2_500, recurring: { interval: "month" } } });
    const invoice = await merchant.invoices.retrieve(after.invoice as string, { expand: ["payments"] });
    expect(invoice).toMatchObject({
      status: "paid",
      amount_paid: 5_000,
      billing_reason: "subscription_create",
      customer_email: "team@example.com",
      parent: { subscription_details: { subscription: subscription.id, metadata: { icodrip_click: "icd_sub1" } } },
    });
    const payment = invoice.payments?.data[0];
    expect(payment).toMatchObject({ status: "paid", is_default: true });
    const pi = await merchant.paymentIntents.retrieve(payment?.payment.payment_intent as string);
    const charge = await merchant.charges.retrieve(payment?.payment.charge as string);
    expect(pi).toMatchObject({ status: "succeeded", amount: 5_000, latest_charge: charge.id });
    expect(charge).toMatchObject({ amount: 5_000, payment_intent: pi.id });
    // An old API version sees the same invoice in the old shape.
    const old = await new Stripe(sandbox.platformKey, { ...sandbox.stripeConfig, stripeAccount: demo.accountId, apiVersion: OLD_VERSION as Stripe.LatestApiVersion }).invoices.retrieve(invoice.id);
    expect(old as unknown).toMatchObject({ subscription: subscription.id, payment_intent: pi.id, charge: charge.id, paid: true, subscription_details: { metadata: { icodrip_click: "icd_sub1" } } });
    expect(old).not.toHaveProperty("parent");
  });

  it("delivers checkout.session.completed and invoice.paid in each endpoint's shape, and invoice_payment.paid only from basil on", async () => {
    await sandbox.idle();
    const after = await merchant.checkout.sessions.retrieve(session.id);
    const subscriptionId = after.subscription as string;
    const invoiceId = after.invoice as string;
    const invoice = await merchant.invoices.retrieve(invoiceId, { expand: ["payments"] });
    const pay = invoice.payments?.data[0]?.payment;

    const forInvoice = (path: string, type: string) => receiver.verified(path, type).filter((e) => JSON.stringify(e.data.object).includes(invoiceId));
    const completed = receiver.verified("/new", "checkout.session.completed").filter((e) => (e.data.object as { id: string }).id === session.id);
    expect(normalized(only(completed)).data).toMatchObject({ session: { mode: "subscription", subscriptionId, invoiceId, clientReferenceId: "icd_sub1" } });

    const current = only(forInvoice("/new", "invoice.paid"));
    const body = current.data.object as unknown as Record<string, unknown>;
    for (const gone of ["subscription", "subscription_details", "payment_intent", "charge", "paid", "payments"]) expect(body).not.toHaveProperty(gone);
    expect(normalized(current).data).toEqual({
      type: "invoice_paid",
      invoice: expect.objectContaining({ id: invoiceId, amountPaid: 5_000, subscriptionId, metadataClickId: "icd_sub1", paymentIntentId: null, chargeId: null, billingReason: "subscription_create" }),
    });
    const invoicePayment = only(forInvoice("/new", "invoice_payment.paid"));
    expect(normalized(invoicePayment).data).toEqual({ type: "invoice_payment", payment: expect.objectContaining({ invoiceId, paymentIntentId: pay?.payment_intent, chargeId: pay?.charge }) });

    const old = only(forInvoice("/old", "invoice.paid"));
    expect(old.data.object).not.toHaveProperty("parent");
    expect(normalized(old).data).toEqual({
      type: "invoice_paid",
      invoice: expect.objectContaining({ id: invoiceId, subscriptionId, metadataClickId: "icd_sub1", paymentIntentId: pay?.payment_intent, chargeId: pay?.charge }),
    });
    expect(forInvoice("/old", "invoice_payment.paid")).toEqual([]);
  });

  it("advances to the next period from the sandbox's page: the next invoice is paid and invoice.paid delivered", async () => {
    const { subscription: subscriptionId } = await merchant.checkout.sessions.retrieve(session.id);
    const before = await merchant.subscriptions.retrieve(subscriptionId as string);
    const pressed = await fetch(`${sandbox.url}/sandbox/subscriptions/${before.id}/advance`, { method: "POST", redirect: "manual", body: new URLSearchParams() });
    expect(pressed.status).toBe(303);
    const after = await merchant.subscriptions.retrieve(before.id);
    expect(after.latest_invoice).not.toBe(before.latest_invoice);
    expect(after.items.data[0].current_period_start).toBe(before.items.data[0].current_period_end);
    const next = await merchant.invoices.retrieve(after.latest_invoice as string);
    expect(next).toMatchObject({ status: "paid", amount_paid: 5_000, billing_reason: "subscription_cycle" });

    await sandbox.idle();
    for (const path of ["/new", "/old"]) {
      const event = only(receiver.verified(path, "invoice.paid").filter((e) => (e.data.object as { id: string }).id === next.id));
      expect(normalized(event).data).toMatchObject({ invoice: { billingReason: "subscription_cycle", subscriptionId: before.id, metadataClickId: "icd_sub1", amountPaid: 5_000 } });
    }
  });
});

describe("delivery", () => {
  it("sends events of an account to its own endpoints too, and retries a failing endpoint with backoff, recording every attempt", async () => {
    const second = sandbox.accounts[1];
    const own = client(second.secretKey);
    const endpoint = await own.webhookEndpoints.create({ url: `${receiver.url}/second`, enabled_events: ["checkout.session.completed"] });
    receiver.expect("/second", endpoint.secret ?? "");
    receiver.answers("/second", [500, 503]);
    const session = await own.checkout.sessions.create({ mode: "payment", line_items: [{ price_data: { currency: "usd", unit_amount: 700, product_data: { name: "Pin" } } }], success_url: "http://shop.test/ok" });
    expect(sandbox.pay(session.id)).toEqual({ ok: true, redirect: "http://shop.test/ok" });
    await sandbox.idle();
    const attempts = sandbox.deliveries.filter((d) => d.endpointId === endpoint.id);
    expect(attempts.map((d) => [d.attempt, d.status, d.ok, d.eventType, d.account])).toEqual([
      [1, 500, false, "checkout.session.completed", null],
      [2, 503, false, "checkout.session.completed", null],
      [3, 200, true, "checkout.session.completed", null],
    ]);
    expect(attempts[2].response).toBe('{"received":true}');
    // Received three times, each verified, none with `account` (the endpoint is the account's own).
    const got = receiver.received.filter((r) => r.path === "/second");
    expect(got.map((r) => r.error)).toEqual([null, null, null]);
    expect(got.every((r) => !("account" in r.body))).toBe(true);
    // Second Shop is not connected: the platform's Connect endpoints heard nothing of it.
    expect(receiver.received.filter((r) => r.path !== "/second" && JSON.stringify(r.body).includes(session.id))).toEqual([]);
  });

  it("gives up after the last try when nothing answers, recording the connection error", async () => {
    const second = sandbox.accounts[1];
    const own = client(second.secretKey);
    const dead = await own.webhookEndpoints.create({ url: `http://127.0.0.1:${await closedPort()}/nothing`, enabled_events: ["charge.refunded"] });
    const session = await own.checkout.sessions.create({ mode: "payment", line_items: [{ price_data: { currency: "usd", unit_amount: 300, product_data: { name: "Sticker" } } }], success_url: "http://shop.test/ok" });
    sandbox.pay(session.id);
    const { payment_intent } = await own.checkout.sessions.retrieve(session.id);
    sandbox.refund(payment_intent as string);
    await sandbox.idle();
    const attempts = sandbox.deliveries.filter((d) => d.endpointId === dead.id);
    expect(attempts.map((d) => [d.attempt, d.status, d.ok])).toEqual([
      [1, null, false],
      [2, null, false],
      [3, null, false],
      [4, null, false],
    ]);
    expect(attempts[0].error).toMatch(/ECONNREFUSED/);
  });

  it("rolls an endpoint's secret from the sandbox's page: the next delivery verifies with the new secret and fails with the old", async () => {
    const second = sandbox.accounts[1];
    const own = client(second.secretKey);
    const endpoint = await own.webhookEndpoints.create({ url: `${receiver.url}/rolled`, enabled_events: ["checkout.session.completed"] });
    const oldSecret = endpoint.secret ?? "";
    receiver.expect("/rolled", oldSecret);
    const page = await (await fetch(`${sandbox.url}/`)).text();
    expect(page).toContain(oldSecret);
    const pressed = await fetch(`${sandbox.url}/sandbox/endpoints/${endpoint.id}/roll`, { method: "POST", redirect: "manual" });
    expect(pressed.status).toBe(303);
    const newSecret = sandbox.webhookEndpoints(second.accountId).find((e) => e.id === endpoint.id)?.secret ?? "";
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(oldSecret);

    const session = await own.checkout.sessions.create({ mode: "payment", line_items: [{ price_data: { currency: "usd", unit_amount: 900, product_data: { name: "Cap" } } }], success_url: "http://shop.test/ok" });
    sandbox.pay(session.id);
    await sandbox.idle();
    const got = receiver.received.filter((r) => r.path === "/rolled");
    expect(got.length).toBeGreaterThan(0);
    // The receiver still holds the old secret: stripe-node refuses every try, and the sandbox records the 400s.
    expect(got.every((r) => r.event === null && /No signatures found matching the expected signature/.test(r.error ?? ""))).toBe(true);
    expect(sandbox.deliveries.filter((d) => d.endpointId === endpoint.id).map((d) => d.status)).toEqual([400, 400, 400, 400]);
    const verifier = new Stripe("sk_test_unused");
    expect(verifier.webhooks.constructEvent(got[0].raw, got[0].signature, newSecret).id).toBe(got[0].body.id);
  });
});

describe("disconnection", () => {
  it("tells the platform's Connect endpoints when the merchant disconnects it, after the connection is gone", async () => {
    sandbox.deauthorizeAccount(demo.accountId);
    expect(sandbox.isConnected(demo.accountId)).toBe(false);
    await sandbox.idle();
    for (const path of ["/new", "/old"]) {
      const event = only(receiver.verified(path, "account.application.deauthorized"));
      expect(event.account).toBe(demo.accountId);
      expect(event.data.object).toMatchObject({ id: sandbox.clientId, object: "application" });
      expect(normalized(event).data).toEqual({ type: "deauthorized" });
    }
  });
});
