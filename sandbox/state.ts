import { randomBytes } from "node:crypto";
import type { FormObject } from "./form.js";
import type { LineItem } from "./objects.js";

// Everything the sandbox knows: accounts, the keys that act for them, OAuth codes and grants,
// webhook endpoints, payments and their events and deliveries, kept in memory for the life of
// one sandbox (a test file, or one `npm run demo`).

const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/** A random base62 string, so ids and keys look like Stripe's and never collide within a run. */
export function randomId(length: number): string {
  const bytes = randomBytes(length);
  let out = "";
  for (const b of bytes) out += ALPHABET[b % ALPHABET.length];
  return out;
}

/**
 * Restricted-key permissions the sandbox checks, named as Stripe names them without the
 * `rak_` prefix that its 403 messages and its dashboard's `permissions[]=` links add
 * (`rak_webhook_write`). Write implies read, as on Stripe.
 */
export const PERMISSIONS = [
  "webhook_read",
  "webhook_write",
  "accounts_kyc_basic_read",
  "checkout_session_read",
  "checkout_session_write",
  "charge_read",
  "customer_read",
  "payment_intent_read",
  "subscription_read",
  "invoice_read",
  "refund_read",
  "refund_write",
  "price_read",
  "price_write",
  "event_read",
  "coupon_read",
  "coupon_write",
  "promotion_code_read",
  "promotion_code_write",
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export function normalizePermission(name: string): Permission {
  const bare = name.replace(/^rak_/, "");
  if (!(PERMISSIONS as readonly string[]).includes(bare)) {
    throw new Error(`Unknown restricted-key permission "${name}"; the sandbox knows ${PERMISSIONS.join(", ")}`);
  }
  return bare as Permission;
}

export type AccountRecord = {
  id: string;
  email: string;
  displayName: string;
  livemode: boolean;
  created: number;
  /** The account's own secret key (full access; shown on the sandbox's page). */
  secretKey?: string;
};

/**
 * A credential the api host accepts. `oauth` is a connected account's access token from
 * /oauth/token (stripe-node and Stripe call it a secret key of that account; it dies on
 * deauthorization). `revoked` makes the key answer 401 api_key_expired instead of working.
 */
export type KeyRecord = {
  key: string;
  kind: "secret" | "restricted" | "oauth";
  accountId: string;
  livemode: boolean;
  permissions: Set<Permission> | null;
  grantId: string | null;
  revoked: boolean;
};

export type AuthCode = {
  code: string;
  accountId: string;
  scope: "read_only" | "read_write";
  expiresAt: number;
  used: boolean;
  grantId: string | null;
};

/** A connection of an account to the platform, made by one code exchange. */
export type Grant = {
  id: string;
  accountId: string;
  scope: "read_only" | "read_write";
  accessToken: string;
  refreshToken: string;
  publishableKey: string;
  livemode: boolean;
  revoked: boolean;
};

export type WebhookEndpointRecord = {
  id: string;
  accountId: string;
  url: string;
  enabledEvents: string[];
  connect: boolean;
  apiVersion: string | null;
  description: string | null;
  metadata: Record<string, string>;
  status: "enabled" | "disabled";
  secret: string;
  livemode: boolean;
  created: number;
  /** Creation order, so a list is newest first even for endpoints made in the same second. */
  seq: number;
};

export type CheckoutSessionRecord = {
  id: string;
  accountId: string;
  /** The create params exactly as the sandbox parsed them from the form body. */
  params: FormObject;
  /** The session as the sandbox holds it now (the same object as in `objects`). */
  session: Record<string, unknown>;
  lineItems: LineItem[];
  /** The coupon (and promotion code) given at creation or typed on the hosted page. */
  discount?: { coupon: string; promotionCode: string | null } | null;
};

/**
 * A payment object (customer, payment intent, charge, subscription, invoice, invoice payment,
 * refund, price, checkout session) of one account. `current` is the object as the newest API
 * version renders it; versions before basil drop the `basilOnly` keys and add `legacy`'s.
 */
export type StoredObject = {
  accountId: string;
  current: { id: string; object: string } & Record<string, unknown>;
  legacy: Record<string, unknown>;
  basilOnly: string[];
};

export type EventRecord = {
  id: string;
  type: string;
  accountId: string;
  created: number;
  livemode: boolean;
  /** The object as it was when the event happened (a copy, later changes do not show). */
  object: StoredObject;
  previousAttributes: Record<string, unknown> | null;
};

/** One try at delivering one event to one endpoint. */
export type DeliveryAttempt = {
  endpointId: string;
  url: string;
  eventId: string;
  eventType: string;
  /** The connected account the event happened on, for deliveries to a Connect endpoint. */
  account: string | null;
  apiVersion: string;
  attempt: number;
  /** The HTTP status answered; null when the connection failed or timed out. */
  status: number | null;
  /** The first 500 bytes of the answer. */
  response: string;
  /** Why the connection failed, when it did. */
  error: string | null;
  /** When the attempt was made (epoch ms). */
  at: number;
  ok: boolean;
};

export type RequestLogEntry = {
  /** api.stripe.com, connect.stripe.com, or the sandbox's own pages. */
  host: "api" | "connect" | "page";
  method: string;
  path: string;
  query: FormObject;
  /** The account the request acted on: the Stripe-Account header, else the key's own account. */
  account: string | null;
  /** The raw Stripe-Account header, when one was sent. */
  stripeAccount: string | null;
  apiVersion: string | null;
  key: string | null;
  body: FormObject;
  /** The status answered; 0 until the answer is written. */
  status: number;
};

/** What the next GET /oauth/authorize answers: approval for an account, or an error redirect. */
export type AuthorizationDecision = string | { error: string; error_description?: string };

export const now = () => Math.floor(Date.now() / 1000);

export class SandboxState {
  readonly accounts = new Map<string, AccountRecord>();
  readonly keys = new Map<string, KeyRecord>();
  readonly codes = new Map<string, AuthCode>();
  readonly grants = new Map<string, Grant>();
  readonly endpoints = new Map<string, WebhookEndpointRecord>();
  readonly checkoutSessions: CheckoutSessionRecord[] = [];
  readonly objects = new Map<string, StoredObject>();
  readonly productNames = new Map<string, string>();
  readonly events: EventRecord[] = [];
  readonly deliveries: DeliveryAttempt[] = [];
  /** Hands a new event to delivery; set by the server once it runs. */
  dispatch: (event: EventRecord) => void = () => {};
  /** http://host:port of the running sandbox, for the URLs it hands out (Checkout's `url`). */
  baseUrl = "";
  readonly requests: RequestLogEntry[] = [];
  readonly authorizationQueue: AuthorizationDecision[] = [];
  /** Successful POST answers by credential and Idempotency-Key, replayed as Stripe does. */
  readonly idempotent = new Map<string, { fingerprint: string; status: number; body: unknown }>();
  readonly platform: AccountRecord;
  readonly platformKey: string;
  readonly clientId: string;
  private seq = 0;

  constructor(readonly livemode: boolean) {
    this.platform = this.addAccount({ livemode, email: "platform@icodrip.test", displayName: "Icodrip Platform" });
    this.platformKey = this.platform.secretKey as string;
    this.clientId = `ca_${randomId(32)}`;
  }

  addAccount(opts: { livemode: boolean; email?: string; displayName?: string }): AccountRecord {
    const id = `acct_1${randomId(15)}`;
    const account: AccountRecord = {
      id,
      email: opts.email ?? `merchant-${id.slice(-6).toLowerCase()}@example.com`,
      displayName: opts.displayName ?? `Merchant ${id.slice(-6)}`,
      livemode: opts.livemode,
      created: now(),
    };
    this.accounts.set(id, account);
    account.secretKey = this.addKey("secret", id, opts.livemode, null);
    return account;
  }

  addKey(kind: KeyRecord["kind"], accountId: string, livemode: boolean, permissions: Set<Permission> | null, grantId: string | null = null): string {
    const prefix = kind === "restricted" ? "rk" : "sk";
    const key = `${prefix}_${livemode ? "live" : "test"}_51${randomId(96)}`;
    this.keys.set(key, { key, kind, accountId, livemode, permissions, grantId, revoked: false });
    return key;
  }

  /** The live (not revoked) grants that connect an account to the platform. */
  activeGrants(accountId: string): Grant[] {
    return [...this.grants.values()].filter((g) => g.accountId === accountId && !g.revoked);
  }

  /** Ends a grant: its access token answers 401 and its refresh token stops working. */
  revokeGrant(grant: Grant): void {
    grant.revoked = true;
    const key = this.keys.get(grant.accessToken);
    if (key) key.revoked = true;
  }

  nextSeq(): number {
    this.seq += 1;
    return this.seq;
  }
}
