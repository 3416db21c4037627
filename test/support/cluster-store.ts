import { afterAll } from "vitest";
import { clusterUnavailable, startLocalCluster, type LocalCluster } from "./redis-cluster.js";
import { redisStoreKind } from "./stores.js";

// The store kind on a real local Redis Cluster. Only the store's own suites (test/store) import it:
// every importing test file starts a cluster of its own (about 2 s, mostly redis-cli waiting for
// the join), and on the HTTP suites that took the whole run from about 27 s to 51 s while the
// store contract they rest on is proven here already.
const clusterMissing = clusterUnavailable();
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

afterAll(async () => {
  const running = await cluster?.catch(() => null);
  cluster = null;
  await running?.stop();
});

export const clusterKind = redisStoreKind("redis-cluster", clusterMissing === null, async () => ({
  url: (await localCluster()).url,
  cluster: true,
}));

