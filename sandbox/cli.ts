import { parseArgs } from "node:util";
import { startStripeSandbox } from "./index.js";

// `tsx sandbox/cli.ts [--port N] [--host H] [--redirect-uri URL]… [--json]`: starts the Stripe
// sandbox and prints what a Connect platform needs, one `Label: value` a line (or one JSON line
// with --json, for a program that spawns it). Ctrl-C (SIGINT) or SIGTERM stops it.

const USAGE = "Usage: tsx sandbox/cli.ts [--port N] [--host ADDRESS] [--redirect-uri URL]... [--json]";

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: "string", default: "0" },
        host: { type: "string", default: "127.0.0.1" },
        "redirect-uri": { type: "string", multiple: true },
        json: { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
    }));
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port must be a whole number from 0 to 65535 (0 picks a free port), not "${values.port}".`);
    return 2;
  }

  let sandbox;
  try {
    sandbox = await startStripeSandbox({ port, host: values.host, redirectUris: values["redirect-uri"] ?? [] });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE") console.error(`Stripe sandbox: port ${port} on ${values.host} is taken; pass another with --port, or --port 0 for a free one.`);
    else if (code === "EADDRNOTAVAIL" || code === "EACCES") console.error(`Stripe sandbox: cannot listen on ${values.host}:${port} (${code}).`);
    else throw error;
    return 1;
  }

  if (values.json) {
    console.log(
      JSON.stringify({ url: sandbox.url, platformKey: sandbox.platformKey, clientId: sandbox.clientId, platformAccountId: sandbox.platformAccountId, accounts: sandbox.accounts }),
    );
  } else {
    console.log(`Stripe sandbox: ${sandbox.url}`);
    console.log(`Platform key: ${sandbox.platformKey}`);
    console.log(`Client id: ${sandbox.clientId}`);
    for (const a of sandbox.accounts) console.log(`Account: ${a.accountId} ${a.displayName} ${a.secretKey}`);
  }

  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await sandbox.close();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`Stripe sandbox failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
