import type { WebhookDelivery } from "../../domain/types.js";
import type { Store } from "../../store/store.js";

// Limits what rejected webhook deliveries may cost, per client address, inside this process.
// Only the rejected path is limited: Stripe delivers genuine events from a few addresses at high
// volume, and a verified delivery is never refused here. A rejected delivery costs a store write
// (a disk-synced one on the embedded store); past the limit it answers without any.
// In memory and bounded: at most `maxAddresses` windows are held; when that many addresses are
// inside their minute, a new one is refused too, so a flood from many addresses still costs at
// most maxAddresses × perWindow writes a minute.

export const REJECTED_PER_ADDRESS_PER_MINUTE = 30;
const WINDOW_MS = 60_000;

export class RejectLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    readonly perWindow = REJECTED_PER_ADDRESS_PER_MINUTE,
    private readonly maxAddresses = 10_000,
  ) {}

  /** True once the address has used its writes for the current minute (takes nothing). */
  exhausted(address: string, now: number): boolean {
    const w = this.windows.get(address);
    if (!w || now - w.start >= WINDOW_MS) return !w && this.full(now);
    return w.count >= this.perWindow;
  }

  /** Takes one write for the address; false when it has none left this minute. */
  take(address: string, now: number): boolean {
    let w = this.windows.get(address);
    if (!w || now - w.start >= WINDOW_MS) {
      if (!w && this.full(now)) return false;
      // Deleted and set again so the map stays in order of window start (see full()).
      this.windows.delete(address);
      w = { start: now, count: 0 };
      this.windows.set(address, w);
    }
    if (w.count >= this.perWindow) return false;
    w.count++;
    return true;
  }

  /** Whether no room is left for a new address, after dropping windows that have ended. */
  private full(now: number): boolean {
    if (this.windows.size < this.maxAddresses) return false;
    // Oldest windows first: stop at the first one still running, so a sweep costs what it drops.
    for (const [address, w] of this.windows) {
      if (now - w.start < WINDOW_MS) break;
      this.windows.delete(address);
    }
    return this.windows.size >= this.maxAddresses;
  }
}

/**
 * Writes coalesced rows of rejected deliveries. Deliveries that land on one row while a write of
 * it is in flight are added up and written together by the next write, so a burst costs a few
 * writes instead of one per delivery, and never a pile of optimistic retries on one hot row.
 */
export class CoalescedRows {
  private readonly pending = new Map<string, { count: number; delivery: WebhookDelivery; done: Promise<void> }>();

  constructor(private readonly ttlMs: number) {}

  /** Counts the delivery in its row; resolves once the count includes it. */
  add(store: Store, delivery: WebhookDelivery): Promise<void> {
    const key = `${delivery.workspaceId ?? ""}|${delivery.id}`;
    const queued = this.pending.get(key);
    if (queued) {
      queued.count++;
      return queued.done;
    }
    const entry = { count: 1, delivery, done: Promise.resolve() };
    this.pending.set(key, entry);
    entry.done = (async () => {
      try {
        // Everything counted before this write starts is in it; what arrives during it, in the next.
        while (entry.count > 0) {
          const n = entry.count;
          entry.count = 0;
          await store.addCoalescedDelivery(entry.delivery, this.ttlMs, n);
        }
      } finally {
        this.pending.delete(key);
      }
    })();
    return entry.done;
  }
}

/** What the webhook routes of one app share: the limiter and the writer of rejected rows. */
export class Rejections {
  readonly limiter = new RejectLimiter();
  readonly rows: CoalescedRows;
  constructor(ttlMs: number) {
    this.rows = new CoalescedRows(ttlMs);
  }
}
