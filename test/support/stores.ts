import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, TestRunner } from "vitest";
import { RedisBackend } from "../../server/store/redis-backend.js";
import { SqliteBackend } from "../../server/store/sqlite-backend.js";
import { Store } from "../../server/store/store.js";
import { clusterUnavailable, startLocalCluster, type LocalCluster } from "./redis-cluster.js";
import { REDIS_URL, services } from "./services.js";

export interface StoreHandle {
  store: Store;
  /** Closes and removes everything the test wrote. */
  destroy(): Promise<void>;
  /** Closes and opens the same data again (durability). */
  reopen(): Promise<Store>;
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

// Only the store's own suites (test/store) run on the cluster. The HTTP suites ran green on it, but
// for two tests, and took the whole run from about 27 s to 51 s: every test file starts a cluster of
// its own (about 2 s, mostly redis-cli waiting for the join) and those suites are most of the run.
// The two tests put the kind's name in the /healthz answer they expect and in a Stripe account id,
// where "redis-cluster" fits neither. Vitest evaluates this module anew while collecting each test
// file, so the current suite names the file that imports it.
const clusterSuite = /[\\/]test[\\/]store[\\/]/.test(TestRunner.getCurrentSuite().file?.filepath ?? "");

const clusterMissing = clusterSuite ? clusterUnavailable() : null;
if (clusterMissing) {
  if (process.env.CI === "true") throw new Error(`CI=true and the local Redis Cluster cannot start: ${clusterMissing}.`);
  console.warn(`\n[icodrip tests] SKIPPING the redis-cluster store: ${clusterMissing}.\n`);
}

// One cluster per test file, started when the file first opens this kind and stopped when the file
// ends (a hook registered here belongs to the file being collected).
let cluster: Promise<LocalCluster> | null = null;

/** This test file's local Redis Cluster, started on first use. */
export function localCluster(): Promise<LocalCluster> {
  cluster ??= startLocalCluster();
  return cluster;
}

if (clusterSuite) {
  afterAll(async () => {
    const running = await cluster?.catch(() => null);
    cluster = null;
    await running?.stop();
  });
}

export const clusterKind = redisStoreKind("redis-cluster", clusterSuite && clusterMissing === null, async () => ({
  url: (await localCluster()).url,
  cluster: true,
}));

function redisStoreKind(
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

export const storeKinds: StoreKind[] = clusterSuite ? [embeddedKind, redisKind, clusterKind] : [embeddedKind, redisKind];
