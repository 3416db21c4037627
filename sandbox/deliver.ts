import { createHmac } from "node:crypto";
import { DEFAULT_API_VERSION, eventJson, isBasilOrLater } from "./render.js";
import type { DeliveryAttempt, SandboxState, EventRecord, WebhookEndpointRecord } from "./state.js";

// Webhook delivery as Stripe does it: every enabled endpoint that listens for the event's type
// gets it, rendered in the endpoint's API version and signed with the endpoint's secret
// (`Stripe-Signature: t=…,v1=HMAC-SHA256(secret, "${t}.${body}")`). Endpoints on the account
// itself get its events; the platform's Connect endpoints get its connected accounts' events
// with `account` set. A non-2xx answer or a failed connection is tried again with backoff.

export type DeliveryOptions = {
  /** Delay before the first retry; each later one doubles it (Stripe: about an hour, then more). Default 1000 ms. */
  retryBaseMs?: number;
  /** Tries in all, the first included. Default 4. */
  attempts?: number;
  /** How long an endpoint may take to answer. Default 10 s. */
  timeoutMs?: number;
};

/** Event types that exist only from basil on: older endpoints are never sent them. */
const BASIL_ONLY_TYPES = new Set(["invoice_payment.paid"]);

const listens = (e: WebhookEndpointRecord, type: string) => e.enabledEvents.includes("*") || e.enabledEvents.includes(type);

export function sign(secret: string, body: string, timestamp: number): string {
  const v1 = createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
  return `t=${timestamp},v1=${v1}`;
}

export class Deliverer {
  private readonly pending = new Set<Promise<void>>();
  private readonly timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  private closed = false;
  private readonly retryBaseMs: number;
  private readonly attempts: number;
  private readonly timeoutMs: number;

  constructor(
    private readonly state: SandboxState,
    options: DeliveryOptions = {},
  ) {
    this.retryBaseMs = options.retryBaseMs ?? 1000;
    this.attempts = options.attempts ?? 4;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** The endpoints an event goes to, each with the `account` its body carries. */
  targets(event: EventRecord): { endpoint: WebhookEndpointRecord; account: string | null }[] {
    // Stripe sends account.application.deauthorized "to the related application only", after
    // the connection is gone; every other event of an account reaches the platform while connected.
    const deauthorized = event.type === "account.application.deauthorized";
    const connected = deauthorized || this.state.activeGrants(event.accountId).length > 0;
    const out: { endpoint: WebhookEndpointRecord; account: string | null }[] = [];
    for (const endpoint of [...this.state.endpoints.values()].sort((a, b) => a.seq - b.seq)) {
      if (endpoint.status !== "enabled" || !listens(endpoint, event.type) || endpoint.livemode !== event.livemode) continue;
      const version = endpoint.apiVersion ?? DEFAULT_API_VERSION;
      if (BASIL_ONLY_TYPES.has(event.type) && !isBasilOrLater(version)) continue;
      if (endpoint.accountId === event.accountId && !endpoint.connect) {
        if (!deauthorized) out.push({ endpoint, account: null });
      }
      else if (endpoint.connect && connected && endpoint.accountId === this.state.platform.id && event.accountId !== endpoint.accountId) {
        out.push({ endpoint, account: event.accountId });
      }
    }
    return out;
  }

  dispatch(event: EventRecord): void {
    if (this.closed) return;
    const targets = this.targets(event);
    for (const { endpoint, account } of targets) {
      const version = endpoint.apiVersion ?? DEFAULT_API_VERSION;
      // Stripe pretty-prints webhook bodies; the signature covers the exact bytes sent.
      const body = JSON.stringify(eventJson(event, version, account, targets.length), null, 2);
      const run = this.run(event, endpoint.id, account, version, body).finally(() => this.pending.delete(run));
      this.pending.add(run);
    }
  }

  private async run(event: EventRecord, endpointId: string, account: string | null, version: string, body: string): Promise<void> {
    for (let attempt = 1; attempt <= this.attempts; attempt += 1) {
      // The endpoint is read again before each try: a rolled secret signs the next try, and a
      // deleted or disabled endpoint gets no more.
      const endpoint = this.state.endpoints.get(endpointId);
      if (this.closed || !endpoint || endpoint.status !== "enabled") return;
      if (await this.attempt(event, endpoint, account, version, body, attempt)) return;
      if (attempt < this.attempts) await this.wait(this.retryBaseMs * 2 ** (attempt - 1));
    }
  }

  private async attempt(event: EventRecord, endpoint: WebhookEndpointRecord, account: string | null, version: string, body: string, attempt: number): Promise<boolean> {
    const record: DeliveryAttempt = {
      endpointId: endpoint.id,
      url: endpoint.url,
      eventId: event.id,
      eventType: event.type,
      account,
      apiVersion: version,
      attempt,
      status: null,
      response: "",
      error: null,
      at: Date.now(),
      ok: false,
    };
    try {
      const res = await fetch(endpoint.url, {
        method: "POST",
        headers: {
          "Content-Type": "application/json; charset=utf-8",
          "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
          "Stripe-Signature": sign(endpoint.secret, body, Math.floor(Date.now() / 1000)),
        },
        body,
        redirect: "manual",
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      record.status = res.status;
      record.response = truncate(Buffer.from(await res.arrayBuffer()));
      record.ok = res.status >= 200 && res.status < 300;
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
      record.error = cause instanceof Error ? cause.message : String(cause);
    }
    this.state.deliveries.push(record);
    return record.ok;
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = { timer: setTimeout(() => {
        this.timers.delete(entry);
        resolve();
      }, ms), resolve };
      this.timers.add(entry);
    });
  }

  /** Resolves once every delivery begun so far, retries included, has finished. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Stops retrying; deliveries in flight end at their next step. */
  close(): void {
    this.closed = true;
    for (const entry of this.timers) {
      clearTimeout(entry.timer);
      entry.resolve();
    }
    this.timers.clear();
  }
}

/** The first 500 bytes of an answer, cut on a character boundary. */
function truncate(bytes: Buffer): string {
  if (bytes.length <= 500) return bytes.toString("utf8");
  return bytes.subarray(0, 500).toString("utf8").replace(/\uFFFD$/, "");
}
