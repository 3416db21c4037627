import type { AddressInfo } from "node:net";
import { createServer } from "node:http";
import type { Logger } from "pino";
import type { Config } from "./config/config.js";
import { createApp } from "./http/app.js";
import type { AppContext } from "./http/context.js";
import { createLogger } from "./logger.js";
import { createMailer } from "./mail/mailer.js";
import { openStore } from "./store/open-store.js";
import { SqliteBackend } from "./store/sqlite-backend.js";
import type { Store } from "./store/store.js";
import { LinkCache } from "./tracking/link-cache.js";
import { hotPaths } from "./http/shortcut.js";

export interface RunningServer {
  url: string;
  port: number;
  store: Store;
  ctx: AppContext;
  close(): Promise<void>;
}

/** Opens the store, builds the app and listens; `port: 0` picks a free port (tests). */
export async function startServer(config: Config, options: { store?: Store; log?: Logger; now?: () => number } = {}): Promise<RunningServer> {
  const log = options.log ?? createLogger(config.logLevel);
  const store = options.store ?? (await openStore(config));
  // The mailer reads ctx.log when it writes, so a logger swapped in later (tests) is the one used.
  const ctx: AppContext = { config, store, log, now: options.now ?? Date.now, mailer: createMailer(config, () => ctx.log), links: new LinkCache(store) };
  const app = createApp(ctx);
  // The hot paths are answered in front of Express when they can be (http/shortcut.ts).
  const server = createServer(hotPaths(ctx, app));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, "0.0.0.0", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const purge = schedulePurge(store, log);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    store,
    ctx,
    async close() {
      clearInterval(purge);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      if (!options.store) await store.close();
    },
  };
}

/** The embedded store drops expired clicks and counters now and then; Redis expires keys itself. */
function schedulePurge(store: Store, log: Logger): NodeJS.Timeout {
  const timer = setInterval(() => {
    if (store.backend instanceof SqliteBackend) {
      store.backend.purgeExpired().then(
        (removed) => {
          if (removed > 0) log.debug({ removed }, "expired records purged");
        },
        (error: unknown) => {
          log.warn({ err: error }, "purging expired records failed; the next hour's purge tries again");
        },
      );
    }
  }, 3_600_000);
  timer.unref();
  return timer;
}
