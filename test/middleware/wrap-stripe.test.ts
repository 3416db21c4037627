import Stripe from "stripe";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { currentReferral, runWithReferral, wrapStripe } from "../../middleware/index.js";
import { startFakeStripe, type FakeStripe } from "./fake-stripe.js";

let fake: FakeStripe;
let original: Stripe;
let wrapped: Stripe;

beforeAll(async () => {
  fake = await startFakeStripe();
  original = new Stripe("sk_test_x", { host: "127.0.0.1", port: fake.port, protocol: "http", maxNetworkRetries: 0 });
  wrapped = wrapStripe(original);
});

afterAll(() => fake.close());

beforeEach(() => {
  fake.requests.length = 0;
});

describe("wrapStripe", () => {
  it("hands back everything but sessions.create as the original objects", () => {
    expect(wrapped).toBeInstanceOf(Stripe);
    expect(wrapped.customers).toBe(original.customers);
    expect(wrapped.webhooks).toBe(original.webhooks);
    // Compared by identity, never called unbound.
    // eslint-disable-next-line @typescript-eslint/unbound-method
    expect(wrapped.checkout.sessions.retrieve).toBe(original.checkout.sessions.retrieve);
    // eslint-disable-next-line @typescript-eslint/unbound-method -- compared by identity, never called unbound
    expect(wrapped.checkout.sessions.create).not.toBe(original.checkout.sessions.create);
    expect(wrapped.checkout).toBe(wrapped.checkout);
  });

  it("sends exactly what the original sends outside a request", async () => {
    const params = { mode: "payment" as const, metadata: { order: "42" }, success_url: "https://shop.example/ok" };
    expect(currentReferral()).toBeNull();
    await original.checkout.sessions.create(params);
    await wrapped.checkout.sessions.create(params);
    // Idempotency keys are random per call, so the comparison is of what the request says.
    const [plain, viaWrapper] = fake.requests.map(({ method, path, form }) => ({ method, path, form }));
    expect(viaWrapper).toEqual(plain);
  });

  it("passes request options through", async () => {
    await runWithReferral({ clickId: "icd_opt" }, () =>
      wrapped.checkout.sessions.create({ mode: "setup", currency: "usd" }, { idempotencyKey: "idem-1" }),
    );
    expect(fake.requests[0].idempotencyKey).toBe("idem-1");
    expect(fake.requests[0].form).toEqual({
      mode: "setup",
      currency: "usd",
      client_reference_id: "icd_opt",
      "metadata[icodrip_click]": "icd_opt",
    });
  });

  it("leaves the caller's params and other resources alone inside a request", async () => {
    const params = { mode: "payment" as const, metadata: { order: "42" } };
    await runWithReferral({ clickId: "icd_ctx", email: "a@example.com" }, async () => {
      await wrapped.checkout.sessions.create(params);
      await wrapped.customers.create({ email: "b@example.com" });
    });
    expect(params).toEqual({ mode: "payment", metadata: { order: "42" } });
    expect(fake.requests[0].form).toMatchObject({ client_reference_id: "icd_ctx", "metadata[order]": "42" });
    expect(fake.requests[1]).toMatchObject({ method: "POST", path: "/v1/customers" });
    expect(fake.requests[1].form).toEqual({ email: "b@example.com" });
  });

  it("works with no params at all", async () => {
    await runWithReferral({ clickId: "icd_bare" }, () => wrapped.checkout.sessions.create());
    expect(fake.requests[0].form).toMatchObject({
      client_reference_id: "icd_bare",
      "payment_intent_data[metadata][icodrip_click]": "icd_bare",
    });
  });
});
