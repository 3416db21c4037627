#!/usr/bin/env node
import { ConfigError, loadConfig, loadDotEnv } from "./config/config.js";
import { startServer } from "./serve.js";
import { redactRedisUrl } from "./store/redis-backend.js";

const USAGE = "Usage: icodrip serve   (configuration by environment; see the README)";

async function main(argv: string[]): Promise<void> {
  const [command] = argv;
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
  const server = await startServer(config).catch((error: Error) => {
    console.error(`icodrip: could not start: ${error.message}`);
    process.exit(1);
  });
  const where = config.store.kind === "redis" ? "Redis" : `the embedded store in ${config.store.dataDir}`;
  console.log(`Icodrip is listening on ${config.publicUrl} (port ${server.port}), keeping data in ${where}.`);
  const stop = async () => {
    await server.close();
    process.exit(0);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

await main(process.argv.slice(2));
