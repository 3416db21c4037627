import { describe, expect, it } from "vitest";
import { normalizeEvent } from "../../server/stripe/normalize.js";
import { envelope, fixture, paidSession } from "./shapes.js";

describe("normalizeEvent: the envelope", () => {
  it("reads a Connect event's account, livemode, version and creation time (ms)", () => {
    const result = normalizeEvent(fixture("synthesized.connect-event.checkout.session.completed.json"));
    expect(result).toMatchObject({
      ok: true,
      event: { id: "evt_1Example", type: "checkout.session.completed", accountId: "acct_1ExampleConnected", livemode: false, apiVersion: "2026-10-28.endive", created: 1_780_000_000_000 },
      data: { type: "checkout_session", session: { id: "cs_test_a1YS1URlnyQCN5fUUduORoQ7Pw41PJqDWkIVQCpJPqkfIhd6tVY8XB1OLY", created: 1_234_567_890_000 } },
    });
  });

  it("has no account for an event of the endpoint's own account", () => {
    const result = normalizeEvent(envelope("checkout.session.completed", paidSession()));
    expect(result.ok && result.event.accountId).toBeNull();
  });

  it.each([
    ["account.application.deauthorized", "2026-10-28.endive"],
    ["account.application.deauthorized", "2020-08-27"],
    ["account.application.deauthorized", null],
  ])("%s at version %s is a deauthorization", (type, apiVersion) => {
    const result = normalizeEvent(envelope(type, fixture("openapi-fixtures3.application.json"), { account: "acct_1", apiVersion }));
    expect(result).toMatchObject({ ok: true, event: { accountId: "acct_1" }, data: { type: "deauthorized" } });
  });

  it.each(["customer.created", "payment_intent.succeeded", "invoice.payment_succeeded", "checkout.session.expired", "charge.dispute.updated"])(
    "%s is ignored with a reason",
    (type) => {
      const result = normalizeEvent(envelope(type, { id: "x_1", object: "whatever" }));
      expect(result).toEqual(expect.objectContaining({ ok: true, data: { type: "ignored", reason: `Icodrip does not act on ${type} events; nothing to do.` } }));
    },
  );

  it("ignores an event it does not act on even when its version is too old or absent", () => {
    const plan = fixture("openapi-fixtures3.event.json");
    expect(plan.api_version).toBeNull();
    expect(normalizeEvent(plan)).toMatchObject({ ok: true, data: { type: "ignored" } });
    expect(normalizeEvent(envelope("customer.created", {}, { apiVersion: "2019-02-19" }))).toMatchObject({ ok: true, data: { type: "ignored" } });
  });

  const good = () => envelope("checkout.session.completed", paidSession());
  const without = (key: string) => {
    const { [key]: _removed, ...rest } = good();
    return rest;
  };

  it.each<[string, unknown, RegExp]>([
    ["a missing id", without("id"), /^The body is not a Stripe event Icodrip can read: id should be a string but is missing\./],
    ["an empty id", { ...good(), id: "" }, /id should be a non-empty string but is ""/],
    ["a numeric id", { ...good(), id: 42 }, /id should be a string but is number 42/],
    ["a missing type", without("type"), /^Event evt_test_1 is not a Stripe event Icodrip can read: type should be a string but is missing/],
    ["livemode as a string", { ...good(), livemode: "false" }, /livemode should be true or false but is "false"/],
    ["created in a string", { ...good(), created: "1780000000" }, /created should be a number but is "1780000000"/],
    ["fractional created", { ...good(), created: 1.5 }, /created should be a whole number but is number 1.5/],
    ["data.object as a string", { ...good(), data: { object: "cs_1" } }, /data\.object should be an object but is "cs_1"/],
    ["no data", without("data"), /data should be an object but is missing/],
    ["another kind of object", { ...good(), object: "checkout.session" }, /object should be "event" but is "checkout\.session"/],
    ["an array", [good()], /the body should be an object but is a list/],
    ["null", null, /the body should be an object but is null/],
  ])("refuses %s as malformed_event", (_name, body, message) => {
    const result = normalizeEvent(body);
    expect(result).toMatchObject({ ok: false, code: "malformed_event" });
    expect(!result.ok && result.message).toMatch(message);
    expect(!result.ok && result.message).toMatch(/rewrites webhook bodies\.$/);
  });
});
