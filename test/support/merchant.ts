import { expect } from "vitest";
import { seal } from "../../server/crypto/seal.js";
import { hashApiKey } from "../../server/domain/password.js";
import type { StripeConnection } from "../../server/domain/types.js";
import { signup, type TestServer } from "./server.js";

// A merchant as the webhook suites need one: a workspace with a program, an affiliate and a
// Stripe connection (OAuth through the platform endpoint, or a restricted key with an endpoint of
// its own), and clicks made through the snippet's endpoint.

export const PLATFORM_SECRET = "whsec_platformtestsecret";
export const ACCOUNT_SECRET = "whsec_accountendpointsecret";
export const SECRET = "test-secret-test-secret-test-secret-0123";

export interface Setup {
  key: string;
  programId: string;
  programKey: string;
  affiliateId: string;
  accountId: string;
}

export async function merchant(server: TestServer, accountId: string, method: StripeConnection["method"] = "oauth"): Promise<Setup> {
  const key = await signup(server);
  const program = await server.api("POST", "/api/v1/programs", {
    key,
    body: { name: "Main", url: "https://shop.example.com", commission: { type: "percent", percent: 30 }, recurring: { type: "months", months: 12 } },
  });
  const affiliate = await server.api("POST", "/api/v1/affiliates", {
    key,
    body: { programId: program.body.id, name: "Ann", email: "ann@example.com", code: `ann${Math.random().toString(36).slice(2, 6)}` },
  });
  const workspace = await server.store.workspaceByApiKeyHash(hashApiKey(key));
  await server.store.putConnection({
    workspaceId: workspace!.id,
    accountId,
    livemode: false,
    method,
    sealedToken: seal(SECRET, "stripe-token", "rk_test_x"),
    webhook:
      method === "restricted_key"
        ? { id: "we_1", url: `${server.url}/webhooks/stripe/${accountId}`, enabledEvents: [], sealedSecret: seal(SECRET, "webhook-secret", ACCOUNT_SECRET) }
        : null,
    status: "connected",
    lastEventAt: null,
    problem: null,
    connectedAt: Date.now(),
  });
  return { key, programId: program.body.id, programKey: program.body.key, affiliateId: affiliate.body.id, accountId };
}

export async function click(server: TestServer, m: Setup, ua = `agent-${Math.random()}`): Promise<string> {
  const affiliate = await server.api("GET", `/api/v1/affiliates/${m.affiliateId}`, { key: m.key });
  const res = await server.api("POST", "/t/click", {
    body: JSON.stringify({ program: m.programKey, code: affiliate.body.code, url: "https://shop.example.com/?via=x", referrer: null }),
    headers: { "content-type": "text/plain", "user-agent": ua },
  });
  expect(res.status).toBe(200);
  return res.body.clickId;
}

