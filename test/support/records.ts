import { newApiKey, newClickId, newId, newProgramKey } from "../../server/domain/ids.js";
import { hashApiKey } from "../../server/domain/password.js";
import type { Affiliate, Click, Conversion, Program, Workspace } from "../../server/domain/types.js";
import type { Store } from "../../server/store/store.js";

// Domain records for tests that write through the store directly, with sensible defaults.

const DAY = 24 * 3600 * 1000;

/** Creates a workspace with a member and an API key; answers the workspace and the key. */
export async function createWorkspace(store: Store, email = `${newId("mem")}@example.com`): Promise<{ ws: Workspace; key: string }> {
  const ws: Workspace = { id: newId("ws"), name: "Acme", createdAt: Date.now() };
  const key = newApiKey();
  await store.createWorkspace(
    ws,
    { id: newId("mem"), workspaceId: ws.id, email, passwordHash: "x", createdAt: Date.now() },
    { id: newId("key"), workspaceId: ws.id, hash: hashApiKey(key), prefix: key.slice(0, 7), createdAt: Date.now() },
  );
  return { ws, key };
}

export function program(workspaceId: string, overrides: Partial<Program> = {}): Program {
  return {
    id: newId("prg"),
    workspaceId,
    key: newProgramKey(),
    name: "Main",
    url: "https://shop.example.com",
    cookieDays: 60,
    attribution: "last",
    holdDays: 30,
    commission: { type: "percent", percent: 30 },
    recurring: { type: "once" },
    allowSelfReferral: false,
    createdAt: Date.now(),
    ...overrides,
  };
}

export function affiliate(p: Program, code: string, overrides: Partial<Affiliate> = {}): Affiliate {
  return {
    id: newId("aff"),
    workspaceId: p.workspaceId,
    programId: p.id,
    name: "Ann",
    email: "ann@example.com",
    code,
    status: "active",
    createdAt: Date.now(),
    ...overrides,
  };
}

export function click(p: Program, a: Affiliate, createdAt = Date.now()): Click {
  return {
    id: newClickId(createdAt),
    workspaceId: p.workspaceId,
    programId: p.id,
    affiliateId: a.id,
    linkId: null,
    createdAt,
    expiresAt: createdAt + p.cookieDays * DAY,
    landingUrl: "https://shop.example.com/?via=ann",
    referrer: null,
    country: null,
    userAgent: "test",
    ipHash: "h",
  };
}

/** An attributed conversion of `amount` with a 30 % commission, approved, in no payout; override what a test is about. */
export function conversion(overrides: Partial<Conversion> & { id: string }): Conversion {
  const amount = overrides.amount ?? 10_000;
  const currency = overrides.currency ?? "usd";
  const commission = overrides.commission ?? { amount: Math.round(amount * 0.3), currency };
  return {
    workspaceId: "ws_test",
    programId: "prg_test",
    affiliateId: "aff_ann",
    clickId: null,
    amount,
    currency,
    baseCommission: commission,
    commission,
    status: "approved",
    livemode: false,
    matchedBy: "client_reference_id",
    reason: null,
    selfReferral: false,
    refundedAmount: 0,
    customerEmail: "buyer@example.com",
    kind: "one_time",
    stripe: { accountId: null, eventId: null, checkoutSessionId: null, paymentIntentId: null, invoiceId: null, chargeId: null, customerId: null, subscriptionId: null },
    createdAt: Date.parse("2026-10-01T00:00:00Z"),
    paidAt: Date.parse("2026-10-01T00:00:00Z"),
    approvesAt: Date.parse("2026-10-31T00:00:00Z"),
    ...overrides,
  };
}

/** Every item of a paged list (a store's or the API's), following nextCursor to the end. */
export async function allPages<T>(page: (cursor: string | null) => Promise<{ data: T[]; nextCursor: string | null }>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const p = await page(cursor);
    items.push(...p.data);
    cursor = p.nextCursor;
  } while (cursor);
  return items;
}
