import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { RedisBackend } from "../../server/store/redis-backend.js";
import { SqliteBackend } from "../../server/store/sqlite-backend.js";
import { Store } from "../../server/store/store.js";
import { REDIS_URL, services } from "./services.js";

export interface StoreHandle {
  store: Store;
  /** Closes and removes everything the test wrote. */
  destroy(): Promise<void>;
  /** Closes and opens the same data again (durability). */
  reopen(): Promise<Store>;
  /** Where the data is, for another process to open it (openAt); absent for a store that wraps another. */
  location?: StoreLocation;
}

export type StoreLocation = { kind: "embedded"; dir: string } | { kind: "redis"; url: string; prefix: string; cluster: boolean };

/** Opens the store at a handle's location, as another process (another instance) would. */
export async function openAt(at: StoreLocation): Promise<Store> {
  return at.kind === "embedded" ? new Store(new SqliteBackend(at.dir)) : new Store(await RedisBackend.connect(at.url, at.prefix, { cluster: at.cluster }));
}

export interface StoreKind {
  name: "embedded" | "redis" | "redis-cluster";
  available: boolean;
  open(): Promise<StoreHandle>;
}

export const embeddedKind: StoreKind = {
  name: "embedded",
  available: true,
  async open() {
    const dir = mkdtempSync(join(tmpdir(), "icodrip-test-"));
    let store = new Store(new SqliteBackend(dir));
    return {
      location: { kind: "embedded", dir },
      get store() {
        return store;
      },
      async destroy() {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
      async reopen() {
        await store.close();
        store = new Store(new SqliteBackend(dir));
        return store;
      },
    };
  },
};

export const redisKind = redisStoreKind("redis", services.redis, async () => ({ url: REDIS_URL, cluster: false }));

export function redisStoreKind(
  name: StoreKind["name"],
  available: boolean,
  target: () => Promise<{ url: string; cluster: boolean }>,
): StoreKind {
  return {
    name,
    available,
    async open() {
      const { url, cluster } = await target();
      const prefix = `icodrip-test:${randomBytes(6).toString("hex")}:`;
      const connect = () => RedisBackend.connect(url, prefix, { cluster });
      let backend = await connect();
      let store = new Store(backend);
      return {
        location: { kind: "redis", url, prefix, cluster },
        get store() {
          return store;
        },
        async destroy() {
          await backend.dropAll();
          await backend.close();
        },
        async reopen() {
          await backend.close();
          backend = await connect();
          store = new Store(backend);
          return store;
        },
      };
    },
  };
}

export const storeKinds: StoreKind[] = [embeddedKind, redisKind];
