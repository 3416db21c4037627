import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";

// A webhook receiver as a merchant's server runs one: it reads the raw body and checks the
// Stripe-Signature with stripe-node's own verification, against the secret each path expects.

export interface Received {
  path: string;
  /** The event when the signature verified; null when it did not. */
  event: Stripe.Event | null;
  /** The parsed body, verified or not. */
  body: Record<string, unknown>;
  raw: string;
  signature: string;
  error: string | null;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** The secret deliveries to `path` must be signed with. */
  expect(path: string, secret: string): void;
  /** Answers to give `path`, one per delivery, before falling back to 200. */
  answers(path: string, statuses: number[]): void;
  verified(path: string, type?: string): Stripe.Event[];
  close(): Promise<void>;
}

const verifier = new Stripe("sk_test_unused");

export async function startReceiver(): Promise<Receiver> {
  const secrets = new Map<string, string>();
  const queued = new Map<string, number[]>();
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const path = req.url ?? "/";
      const signature = String(req.headers["stripe-signature"] ?? "");
      let event: Stripe.Event | null = null;
      let error: string | null = null;
      try {
        event = verifier.webhooks.constructEvent(raw, signature, secrets.get(path) ?? "whsec_none");
      } catch (e) {
        error = e instanceof Error ? e.message : String(e);
      }
      received.push({ path, event, body: JSON.parse(raw) as Record<string, unknown>, raw, signature, error });
      const status = queued.get(path)?.shift() ?? (event ? 200 : 400);
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(event ? { received: true } : { error }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    expect: (path, secret) => void secrets.set(path, secret),
    answers: (path, statuses) => void queued.set(path, [...statuses]),
    verified: (path, type) => received.filter((r) => r.path === path && r.event && (!type || r.event.type === type)).map((r) => r.event as Stripe.Event),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
