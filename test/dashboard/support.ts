import { expect } from "vitest";
import { seal } from "../../server/crypto/seal.js";
import { hashApiKey } from "../../server/domain/password.js";
import { charge, checkoutSession, deliver, event } from "../support/stripe-events.js";
import type { TestServer } from "../support/server.js";

// A merchant as the dashboard tests need one: a workspace with a signed-in member (the session
// cookie as a browser would send it), its API key, a program, an affiliate and a Stripe account
// connected through the platform, so signed webhooks on the platform endpoint reach it.

export const PLATFORM_SECRET = "whsec_dashboardplatformsecret";
export const ICODRIP_SECRET = "test-secret-test-secret-test-secret-0123";
export const SERVER_ENV = { STRIPE_WEBHOOK_SECRET: PLATFORM_SECRET, ICODRIP_SECRET };
export const PASSWORD = "correct horse battery";

export interface Merchant {
  email: string;
  key: string;
  cookie: string;
  workspaceId: string;
  accountId: string;
  program: { id: string; key: string; name: string };
  affiliate: { id: string; code: string; name: string };
}

let n = 0;
const unique = () => `${Date.now().toString(36)}${(n++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;

export async function signIn(server: TestServer, email: string, password = PASSWORD): Promise<string> {
  const res = await server.api("POST", "/session", { body: { email, password }, headers: { origin: server.url } });
  expect(res.status).toBe(201);
  const line = res.headers.getSetCookie().find((l) => l.startsWith("icodrip_session="));
  return line!.split(";")[0];
}

export async function merchant(server: TestServer, o: { workspace?: string; affiliateName?: string } = {}): Promise<Merchant> {
  const email = `m${unique()}@example.com`;
  const signup = await server.api("POST", "/api/v1/signup", { body: { email, password: PASSWORD, workspace: o.workspace ?? "Acme" } });
  expect(signup.status).toBe(201);
  const key = signup.body.apiKey as string;
  const program = await server.api("POST", "/api/v1/programs", {
    key,
    body: { name: `Partners ${unique()}`, url: "https://shop.example.com", commission: { type: "percent", percent: 30 } },
  });
  expect(program.status).toBe(201);
  const affiliate = await server.api("POST", "/api/v1/affiliates", {
    key,
    body: { programId: program.body.id, name: o.affiliateName ?? "Ann Lee", email: `ann${unique()}@example.com`, code: `ann${unique()}` },
  });
  expect(affiliate.status).toBe(201);
  const workspace = await server.store.workspaceByApiKeyHash(hashApiKey(key));
  const accountId = `acct_dash${unique()}`;
  // Both modes, so a test can tell test payments from live ones.
  for (const livemode of [false, true]) {
    await server.store.putConnection({
      workspaceId: workspace!.id,
      accountId,
      livemode,
      method: "oauth",
      sealedToken: seal(ICODRIP_SECRET, "stripe-token", "rk_test_x"),
      webhook: null,
      status: "connected",
      lastEventAt: null,
      problem: null,
      connectedAt: Date.now(),
    });
  }
  return {
    email,
    key,
    cookie: await signIn(server, email),
    workspaceId: workspace!.id,
    accountId,
    program: { id: program.body.id, key: program.body.key, name: program.body.name },
    affiliate: { id: affiliate.body.id, code: affiliate.body.code, name: affiliate.body.name },
  };
}

/** A click as the snippet records it; answers the click id. */
export async function click(server: TestServer, m: Merchant, o: { url?: string; referrer?: string | null } = {}): Promise<string> {
  const res = await server.api("POST", "/t/click", {
    body: JSON.stringify({ program: m.program.key, code: m.affiliate.code, url: o.url ?? "https://shop.example.com/?via=ann", referrer: o.referrer ?? null }),
    headers: { "content-type": "text/plain", "user-agent": `agent-${unique()}` },
  });
  expect(res.status).toBe(200);
  return res.body.clickId as string;
}

/** A signed checkout.session.completed on the platform endpoint, as Stripe would send it. */
export async function pay(
  server: TestServer,
  m: Merchant,
  o: { amount?: number; currency?: string; clickId?: string | null; email?: string | null; livemode?: boolean; paymentIntent?: string; at?: number } = {},
) {
  const session = checkoutSession({
    amount: o.amount ?? 12_345,
    currency: o.currency,
    clientReferenceId: o.clickId ?? null,
    email: o.email ?? null,
    livemode: o.livemode,
    paymentIntent: o.paymentIntent,
  });
  // `at` is when Stripe says the payment happened too (the event's created, the conversion's paidAt).
  const evt = event("checkout.session.completed", session, { account: m.accountId, livemode: o.livemode, ...(o.at === undefined ? {} : { created: Math.floor(o.at / 1000) }) });
  // `at`: the moment the server's clock says (a test that moved it stamps the signature to match).
  const res = await deliver(`${server.url}/webhooks/stripe`, evt, PLATFORM_SECRET, o.at === undefined ? {} : { timestamp: Math.floor(o.at / 1000) });
  expect(res.status).toBe(200);
  return { eventId: evt.id, outcome: res.body.outcome as string };
}

/** A signed charge.refunded for the payment with this PaymentIntent. */
export async function refund(server: TestServer, m: Merchant, o: { amount: number; refunded: number; paymentIntent: string; currency?: string }) {
  const evt = event("charge.refunded", charge({ amount: o.amount, amountRefunded: o.refunded, paymentIntent: o.paymentIntent, currency: o.currency }), { account: m.accountId });
  const res = await deliver(`${server.url}/webhooks/stripe`, evt, PLATFORM_SECRET);
  expect(res.status).toBe(200);
}

/** A dashboard page as the signed-in member's browser gets it. */
export async function page(server: TestServer, path: string, cookie?: string): Promise<{ status: number; location: string | null; html: string; csp: string | null }> {
  const res = await fetch(server.url + path, { headers: cookie ? { cookie } : {}, redirect: "manual" });
  return { status: res.status, location: res.headers.get("location"), html: await res.text(), csp: res.headers.get("content-security-policy") };
}

const DAY_MS = 24 * 3600 * 1000;
const today = Date.parse(`${new Date().toISOString().slice(0, 10)}T12:00:00Z`);
const dayOf = (at: number) => new Date(at).toISOString().slice(0, 10);

/** Three days of activity: 10, 3 and 0 days ago. Answers the days. */
export async function seedThreeDays(server: TestServer, m: Merchant): Promise<string[]> {
  const plan = [
    { ago: 10, clicks: 3, sales: [10_000] },
    { ago: 3, clicks: 2, sales: [5_000, 2_500] },
    { ago: 0, clicks: 1, sales: [] },
  ];
  const real = server.ctx.now;
  try {
    for (const d of plan) {
      const at = today - d.ago * DAY_MS;
      server.ctx.now = () => at;
      const ids: string[] = [];
      for (let i = 0; i < d.clicks; i++) ids.push(await click(server, m));
      for (const [i, amount] of d.sales.entries()) await pay(server, m, { amount, clickId: ids[i], at });
    }
  } finally {
    server.ctx.now = real;
  }
  return plan.map((d) => dayOf(today - d.ago * DAY_MS));
}
