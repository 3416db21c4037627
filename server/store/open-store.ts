import type { Config } from "../config/config.js";
import { RedisBackend } from "./redis-backend.js";
import { SqliteBackend } from "./sqlite-backend.js";
import { Store } from "./store.js";

export async function openStore(config: Pick<Config, "store">): Promise<Store> {
  const backend =
    config.store.kind === "redis"
      ? await RedisBackend.connect(config.store.url, config.store.prefix, { cluster: config.store.cluster })
      : new SqliteBackend(config.store.dataDir);
  return new Store(backend);
}
