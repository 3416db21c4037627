#!/usr/bin/env node
import { ConfigError, loadConfig, loadDotEnv } from "./config/config.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "./package-root.js";
import { startServer } from "./serve.js";
import { redactRedisUrl } from "./store/redis-backend.js";

const USAGE = "Usage: icodrip serve   (configuration by environment; see the README)";

const HELP = `Icodrip: affiliate tracking for merchants who sell through Stripe.

Usage:
  icodrip serve        serve everything (tracking, webhooks, API, dashboard) on PORT
  icodrip --version    print the version
  icodrip --help       print this

Configuration is read from the environment and a .env file in the working directory:
  PORT (8787), PUBLIC_URL, REDIS_URL (unset: the embedded store in DATA_DIR, ./.icodrip),
  REDIS_CLUSTER, REDIS_PREFIX, ICODRIP_SECRET (required in production), ICODRIP_SIGNUP,
  STRIPE_SECRET_KEY and STRIPE_CLIENT_ID (a Connect platform), STRIPE_WEBHOOK_SECRET,
  STRIPE_API_URL, STRIPE_CONNECT_URL, TRUST_PROXY, ICODRIP_CLICK_RATE_LIMIT,
  ICODRIP_LOGIN_RATE_LIMIT, ICODRIP_SIGNUP_RATE_LIMIT, LOG_LEVEL.
See the README's Configuration table for each one.`;

function version(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version: string }).version;
}

async function main(argv: string[]): Promise<void> {
  const [command] = argv;
  if (command === "--help" || command === "-h" || command === "help") {
    console.log(HELP);
    return;
  }
  if (command === "--version" || command === "-v" || command === "version") {
    console.log(version());
    return;
  }
  if (command !== "serve") {
    console.error(command ? `Unknown command "${command}". ${USAGE}` : USAGE);
    process.exit(2);
  }
  loadDotEnv();
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`icodrip: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  // Said at once: reaching Redis may take a while, and it can fail (a bounded wait, then one line).
  if (config.store.kind === "redis") console.log(`icodrip: connecting to Redis at ${redactRedisUrl(config.store.url)} …`);
  const server = await startServer(config).catch((error: unknown) => {
    console.error(`icodrip: could not start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
  const where = config.store.kind === "redis" ? "Redis" : `the embedded store in ${config.store.dataDir}`;
  console.log(`Icodrip is listening on ${config.publicUrl} (port ${server.port}), keeping data in ${where}.`);
  // A signal handler's promise is dropped by Node, so a failed close is reported here rather than
  // left to become an unhandled rejection.
  const stop = () => {
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`icodrip: could not stop cleanly: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

await main(process.argv.slice(2));
