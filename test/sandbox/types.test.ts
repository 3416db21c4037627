import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStripeSandbox, type StripeSandbox } from "../../sandbox/index.js";
import { TypeChecker } from "./type-check.js";

// Every kind of object the sandbox returns, fetched through stripe-node and held to stripe-node's
// type twice: `tsc` checks that the fields read here exist with these types (each variable is
// annotated with Stripe's type), and TypeChecker checks what was actually sent against the same
// type, read from stripe-node's .d.ts files (every required field present, every value of an
// allowed kind, enum strings included).

let sandbox: StripeSandbox;
let stripe: Stripe;
let types: TypeChecker;

beforeAll(async () => {
  sandbox = await startStripeSandbox();
  stripe = new Stripe(sandbox.accounts[0].secretKey, { host: "127.0.0.1", port: sandbox.port, protocol: "http", maxNetworkRetries: 0 });
  types = new TypeChecker();
});
afterAll(async () => {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when the setup failed
  await sandbox?.close();
});

/** stripe-node's own addition to every answer, which is no part of Stripe's object. */
const plain = (o: object) => {
  const { lastResponse: _ignored, ...rest } = o as { lastResponse?: unknown };
  return rest;
};

describe("objects as stripe-node types them", () => {
  it("a paid payment-mode session, its customer, payment intent, charge, refund and events", async () => {
    const created: Stripe.Checkout.Session = await stripe.checkout.sessions.create({
      mode: "payment",
      line_items: [{ price_data: { currency: "usd", unit_amount: 1_200, product_data: { name: "Book" } }, quantity: 1 }],
      client_reference_id: "icd_t1",
      metadata: { icodrip_click: "icd_t1" },
      payment_intent_data: { metadata: { icodrip_click: "icd_t1" } },
      success_url: "http://shop.test/ok",
    });
    expect(types.check("checkout.session", plain(created))).toEqual([]);
    expect(sandbox.pay(created.id, { email: "reader@example.com" }).ok).toBe(true);

    const session: Stripe.Checkout.Session = await stripe.checkout.sessions.retrieve(created.id);
    const fields: Pick<Stripe.Checkout.Session, "mode" | "payment_status" | "amount_total" | "currency" | "client_reference_id" | "metadata"> = session;
    expect(fields).toMatchObject({ mode: "payment", payment_status: "paid", amount_total: 1_200, currency: "usd", client_reference_id: "icd_t1", metadata: { icodrip_click: "icd_t1" } });
    const email: string | null | undefined = session.customer_details?.email;
    expect(email).toBe("reader@example.com");
    expect(types.check("checkout.session", plain(session))).toEqual([]);

    const customer: Stripe.Customer | Stripe.DeletedCustomer = await stripe.customers.retrieve(session.customer as string);
    expect(types.check("customer", plain(customer))).toEqual([]);

    const pi: Stripe.PaymentIntent = await stripe.paymentIntents.retrieve(session.payment_intent as string);
    const piMetadata: Stripe.Metadata = pi.metadata;
    expect(piMetadata.icodrip_click).toBe("icd_t1");
    expect(types.check("payment_intent", plain(pi))).toEqual([]);

    const refund: Stripe.Refund = await stripe.refunds.create({ payment_intent: pi.id, amount: 200 });
    const refundCharge: string | Stripe.Charge | null = refund.charge;
    expect(refund.amount).toBe(200);
    expect(types.check("refund", plain(refund))).toEqual([]);
    expect(types.check("refund", plain(await stripe.refunds.retrieve(refund.id)))).toEqual([]);

    const charge: Stripe.Charge = await stripe.charges.retrieve(refundCharge as string);
    const money: Pick<Stripe.Charge, "id" | "payment_intent" | "amount" | "amount_refunded" | "currency" | "refunded"> = charge;
    expect(money).toMatchObject({ payment_intent: pi.id, amount: 1_200, amount_refunded: 200, currency: "usd", refunded: false });
    expect(types.check("charge", plain(charge))).toEqual([]);

    const events: Stripe.ApiList<Stripe.Event> = await stripe.events.list({ limit: 100 });
    expect(events.data.map((e) => e.type)).toEqual(expect.arrayContaining(["checkout.session.completed", "charge.refunded", "refund.created"]));
    for (const event of events.data) expect(types.check("event", plain(event))).toEqual([]);
    const completed: Stripe.Event = await stripe.events.retrieve(events.data.find((e) => e.type === "checkout.session.completed")?.id ?? "");
    if (completed.type !== "checkout.session.completed") throw new Error("expected checkout.session.completed");
    const completedSession: Stripe.Checkout.Session = completed.data.object;
    expect(completedSession.id).toBe(session.id);
    expect(types.check("event", plain(completed))).toEqual([]);
  });

  it("a paid subscription-mode session, its subscription, invoice, invoice payment, price and events", async () => {
    const price: Stripe.Price = await stripe.prices.create({ currency: "eur", unit_amount: 900, recurring: { interval: "month" }, product_data: { name: "Club" } });
    expect(types.check("price", plain(price))).toEqual([]);
    const created = await stripe.checkout.sessions.create({
      mode: "subscription",
      line_items: [{ price: price.id, quantity: 1 }],
      subscription_data: { metadata: { icodrip_click: "icd_t2" } },
      customer_email: "member@example.com",
      success_url: "http://shop.test/ok",
    });
    expect(sandbox.pay(created.id).ok).toBe(true);
    const session: Stripe.Checkout.Session = await stripe.checkout.sessions.retrieve(created.id);
    expect(types.check("checkout.session", plain(session))).toEqual([]);

    const subscription: Stripe.Subscription = await stripe.subscriptions.retrieve(session.subscription as string);
    const subscriptionMetadata: Stripe.Metadata = subscription.metadata;
    expect(subscriptionMetadata.icodrip_click).toBe("icd_t2");
    expect(types.check("subscription", plain(subscription))).toEqual([]);

    const invoice: Stripe.Invoice = await stripe.invoices.retrieve(session.invoice as string, { expand: ["payments"] });
    const details: Stripe.Invoice.Parent.SubscriptionDetails | null | undefined = invoice.parent?.subscription_details;
    expect(details?.subscription).toBe(subscription.id);
    expect(details?.metadata?.icodrip_click).toBe("icd_t2");
    const paidAt: number | null = invoice.status_transitions.paid_at;
    expect(paidAt).toEqual(expect.any(Number));
    const payment: Stripe.InvoicePayment | undefined = invoice.payments?.data[0];
    const paid: Pick<Stripe.InvoicePayment.Payment, "payment_intent" | "charge"> | undefined = payment?.payment;
    expect(paid?.payment_intent).toMatch(/^pi_/);
    expect(types.check("invoice", plain(invoice))).toEqual([]);
    expect(types.check("invoice_payment", plain(payment as object))).toEqual([]);
    const payments: Stripe.ApiList<Stripe.InvoicePayment> = await stripe.invoicePayments.list({ invoice: invoice.id });
    expect(payments.data.map((p) => p.id)).toEqual([payment?.id]);

    const next: Stripe.Invoice = sandbox.advanceSubscription(subscription.id);
    expect(types.check("invoice", plain(await stripe.invoices.retrieve(next.id)))).toEqual([]);
    const events = await stripe.events.list({ limit: 100 });
    for (const event of events.data) expect(types.check("event", plain(event))).toEqual([]);
    const invoicePaid = events.data.find((e) => e.type === "invoice.paid");
    if (invoicePaid?.type !== "invoice.paid") throw new Error("expected invoice.paid");
    const paidInvoice: Stripe.Invoice = invoicePaid.data.object;
    expect(paidInvoice.amount_paid).toBe(900);
  });

  it("reports a wrong object, so a pass means something", () => {
    expect(types.check("charge", { id: "ch_1", object: "charge", amount: "12" })).toEqual(
      expect.arrayContaining(["charge.amount: \"12\" is not number", "charge.amount_refunded: missing"]),
    );
    expect(types.check("invoice", { status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: "soon", voided_at: null } })).toEqual(
      expect.arrayContaining([expect.stringMatching(/^invoice\.status_transitions\.paid_at: "soon" is not/)]),
    );
  });
});
