import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import Stripe from "stripe";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { referral, wrapStripe } from "../../middleware/index.js";
import { closeServer, startFakeStripe, type FakeStripe } from "./fake-stripe.js";

const CLICK = "icd_k7Hq2_x-9";
const EMAIL = "visitor+1@example.com";
const COOKIE_VALUE = `${CLICK}:${encodeURIComponent(EMAIL)}`;
const ICODRIP_FIELDS = [
  "client_reference_id",
  "customer_email",
  "metadata[icodrip_click]",
  "payment_intent_data[metadata][icodrip_click]",
  "subscription_data[metadata][icodrip_click]",
];

let fake: FakeStripe;
let app: Server;
let baseUrl: string;
let stripe: Stripe;
// Lets a test hold handlers mid-request until all of them have started, to overlap their contexts.
let gate: () => Promise<void> = async () => {};

beforeAll(async () => {
  fake = await startFakeStripe();
  stripe = wrapStripe(
    new Stripe("sk_test_x", { host: "127.0.0.1", port: fake.port, protocol: "http", maxNetworkRetries: 0 }),
  );
  const merchant = express();
  merchant.use(referral());
  merchant.use(express.json());
  merchant.post("/checkout", async (req, res) => {
    await gate();
    const session = await stripe.checkout.sessions.create({
      mode: req.body.mode,
      line_items: [{ price: "price_123", quantity: 1 }],
      success_url: "https://shop.example/thanks",
    });
    res.json({ url: session.url, referral: req.referral });
  });
  app = merchant.listen(0, "127.0.0.1");
  await new Promise((resolve) => app.once("listening", resolve));
  baseUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await closeServer(app);
  await fake.close();
});

beforeEach(() => {
  fake.requests.length = 0;
  gate = async () => {};
});

async function checkout(body: object, headers: Record<string, string> = {}) {
  const response = await fetch(`${baseUrl}/checkout`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { url: string; referral: unknown };
}

function onlySessionRequest() {
  expect(fake.requests).toHaveLength(1);
  const [request] = fake.requests;
  expect(request).toMatchObject({ method: "POST", path: "/v1/checkout/sessions" });
  return request.form;
}

function icodripFields(form: Record<string, string>) {
  return Object.fromEntries(ICODRIP_FIELDS.filter((key) => key in form).map((key) => [key, form[key]]));
}

describe("referral() + wrapStripe() against stripe-node on the wire", () => {
  it("sends the cookie's referral with a payment session", async () => {
    const answer = await checkout({ mode: "payment" }, { cookie: `theme=dark; icodrip_ref=${COOKIE_VALUE}; sid=1` });
    expect(answer).toEqual({
      url: "https://checkout.stripe.com/c/pay/cs_test_1",
      referral: { clickId: CLICK, email: EMAIL },
    });
    const form = onlySessionRequest();
    expect(icodripFields(form)).toEqual({
      client_reference_id: CLICK,
      customer_email: EMAIL,
      "metadata[icodrip_click]": CLICK,
      "payment_intent_data[metadata][icodrip_click]": CLICK,
    });
    expect(form).toMatchObject({ mode: "payment", "line_items[0][price]": "price_123" });
  });

  it("sends the header's referral with a subscription session", async () => {
    await checkout({ mode: "subscription" }, { "x-icodrip-referral": COOKIE_VALUE });
    expect(icodripFields(onlySessionRequest())).toEqual({
      client_reference_id: CLICK,
      customer_email: EMAIL,
      "metadata[icodrip_click]": CLICK,
      "subscription_data[metadata][icodrip_click]": CLICK,
    });
  });

  it("treats an absent mode as payment", async () => {
    await checkout({}, { cookie: `icodrip_ref=${CLICK}` });
    expect(icodripFields(onlySessionRequest())).toEqual({
      client_reference_id: CLICK,
      "metadata[icodrip_click]": CLICK,
      "payment_intent_data[metadata][icodrip_click]": CLICK,
    });
  });

  it("prefers the cookie when both carry a referral", async () => {
    await checkout({ mode: "payment" }, { cookie: `icodrip_ref=${CLICK}`, "x-icodrip-referral": "icd_fromheader" });
    expect(onlySessionRequest().client_reference_id).toBe(CLICK);
  });

  it("falls back to the header when the cookie is foreign", async () => {
    await checkout({ mode: "payment" }, { cookie: "icodrip_ref=somebody-else", "x-icodrip-referral": "icd_fromheader" });
    expect(onlySessionRequest().client_reference_id).toBe("icd_fromheader");
  });

  it("sends nothing of a foreign cookie value", async () => {
    const answer = await checkout(
      { mode: "payment" },
      { cookie: `icodrip_ref=icd_a:${encodeURIComponent("x@example.com\r\nBcc: y@evil.example")}` },
    );
    expect(answer.referral).toBeNull();
    const form = onlySessionRequest();
    expect(icodripFields(form)).toEqual({});
    expect(Object.keys(form).some((key) => key.includes("icodrip"))).toBe(false);
  });

  it("sends nothing without a cookie or header", async () => {
    await checkout({ mode: "subscription" });
    expect(icodripFields(onlySessionRequest())).toEqual({});
  });

  it("adds nothing outside a request", async () => {
    const session = await stripe.checkout.sessions.create({ mode: "payment", success_url: "https://shop.example/thanks" });
    expect(session.id).toBe("cs_test_1");
    expect(onlySessionRequest()).toEqual({ mode: "payment", success_url: "https://shop.example/thanks" });
  });

  it("keeps concurrent requests' referrals apart across awaits", async () => {
    let arrived = 0;
    let release!: () => void;
    const allArrived = new Promise<void>((resolve) => (release = resolve));
    gate = () => {
      if (++arrived === 2) release();
      return allArrived;
    };
    await Promise.all([
      checkout({ mode: "payment" }, { cookie: "icodrip_ref=icd_first" }),
      checkout({ mode: "payment" }, { "x-icodrip-referral": "icd_second" }),
    ]);
    const sent = fake.requests.map((request) => request.form.client_reference_id).sort();
    expect(sent).toEqual(["icd_first", "icd_second"]);
  });
});
