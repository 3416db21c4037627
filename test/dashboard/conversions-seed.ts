import { expect } from "vitest";
import type { TestServer } from "../support/server.js";
import { click, merchant, pay, type Merchant } from "./support.js";

// Conversions to filter: two affiliates, three UTC days, two currencies (and a third in live
// mode), customers at two domains and one payment nobody referred, all through the snippet's
// click endpoint and signed webhooks, each at a millisecond of its own so "newest first" has one
// right answer.

const DAY_MS = 24 * 3600 * 1000;
export const dayOf = (at: number) => new Date(at).toISOString().slice(0, 10);

export interface Seeded {
  m: Merchant;
  /** the second affiliate, in the same program */
  other: Merchant["affiliate"];
  /** the UTC days, oldest first: 10, 3 and 0 days ago */
  days: string[];
}

export async function seedConversions(server: TestServer, o: { extraToday?: number } = {}): Promise<Seeded> {
  const m = await merchant(server, { affiliateName: "Ann Lee" });
  const created = await server.api("POST", "/api/v1/affiliates", {
    key: m.key,
    body: { programId: m.program.id, name: "Bob Ray", email: `bob${Date.now()}@example.com` },
  });
  expect(created.status).toBe(201);
  const other = { id: created.body.id as string, code: created.body.code as string, name: created.body.name as string };
  const asOther: Merchant = { ...m, affiliate: other };
  const noon = Date.parse(`${dayOf(Date.now())}T12:00:00Z`);
  const plan: { ago: number; who: Merchant | null; amount: number; currency: string; email: string; livemode?: boolean }[] = [
    { ago: 10, who: m, amount: 10_000, currency: "usd", email: "alice@shop.test" },
    { ago: 10, who: asOther, amount: 2_000, currency: "eur", email: "bob@other.test" },
    { ago: 3, who: m, amount: 5_000, currency: "eur", email: "carol@shop.test" },
    { ago: 3, who: m, amount: 700, currency: "jpy", email: "erin@shop.test", livemode: true },
    { ago: 3, who: null, amount: 1_500, currency: "usd", email: "nobody@nowhere.test" },
    { ago: 0, who: asOther, amount: 3_000, currency: "usd", email: "dave@other.test" },
    { ago: 0, who: m, amount: 2_500, currency: "usd", email: "Frank@Shop.test" },
    ...Array.from({ length: o.extraToday ?? 0 }, (_, i) => ({ ago: 0, who: m, amount: 100 + i, currency: "usd", email: `page${i}@shop.test` })),
  ];
  const real = server.ctx.now;
  try {
    for (const [i, p] of plan.entries()) {
      const at = noon - p.ago * DAY_MS + i;
      server.ctx.now = () => at;
      const clickId = p.who ? await click(server, p.who) : null;
      await pay(server, m, { amount: p.amount, currency: p.currency, clickId, email: p.email, livemode: p.livemode, at });
    }
  } finally {
    server.ctx.now = real;
  }
  return { m, other, days: [10, 3, 0].map((ago) => dayOf(noon - ago * DAY_MS)) };
}
