import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Stripe from "stripe";
import { loadConfig } from "../server/config/config.js";
import { createLogger } from "../server/logger.js";
import { startServer, type RunningServer } from "../server/serve.js";
import { startStripeSandbox, type StripeSandbox } from "../sandbox/index.js";
import { startMerchantSite } from "./merchant-site/app.js";

// `npm run demo`: Icodrip, the Stripe sandbox and the example shop, wired together and seeded, so
// the whole flow can be tried with no Stripe account: a merchant with a program, an affiliate and
// a tracking link, connected to the sandbox by OAuth exactly as the dashboard's button does it.
// Each run starts clean (a fresh data folder, a fresh sandbox) and Ctrl-C stops all three.

const DEMO_EMAIL = "demo@icodrip.test";
const DEMO_PASSWORD = "demo password 123";

function fail(line: string): never {
  console.error(`demo: ${line}`);
  process.exit(1);
}

/** Whether a port can be listened on, on every address the servers use. */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, "0.0.0.0", () => probe.close(() => resolve(true)));
  });
}

async function nextFreePort(after: number, taken: number[]): Promise<number> {
  for (let port = after + 1; port < Math.min(after + 200, 65536); port++) {
    if (!taken.includes(port) && (await portFree(port))) return port;
  }
  fail(`no free port found after ${after}; set PORT to another starting point.`);
}

/** A browser's cookie jar, just enough to walk the OAuth redirects as the dashboard's user would. */
class Jar {
  private readonly cookies = new Map<string, string>();
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair.indexOf("=");
      if (eq > 0) this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  }
}

async function api<T>(base: string, path: string, body: unknown, key?: string): Promise<T> {
  const res = await fetch(base + path, {
    method: "POST",
    headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as T & { error?: { message: string } };
  if (!res.ok) fail(`seeding failed at ${path}: ${json.error?.message ?? res.status}`);
  return json;
}

/** Signs in and presses "Connect Stripe", choosing the sandbox's Demo Shop account. */
async function connectByOAuth(icodrip: string, sandbox: StripeSandbox, accountId: string): Promise<void> {
  const jar = new Jar();
  const signIn = await fetch(`${icodrip}/session`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: icodrip },
    body: JSON.stringify({ email: DEMO_EMAIL, password: DEMO_PASSWORD }),
  });
  if (signIn.status !== 201) fail(`signing in to connect Stripe failed (${signIn.status}).`);
  jar.take(signIn);
  sandbox.queueAuthorization(accountId); // what choosing "Demo Shop" on the sandbox's page does
  let url = `${icodrip}/integrations/stripe/connect`;
  for (let hop = 0; hop < 6; hop++) {
    const sameHost = url.startsWith(icodrip);
    const res = await fetch(url, { redirect: "manual", headers: sameHost ? { cookie: jar.header() } : {} });
    if (sameHost) jar.take(res);
    const location = res.headers.get("location");
    if (!location) fail(`connecting Stripe stopped at ${new URL(url).pathname} (${res.status}).`);
    url = new URL(location, url).toString();
    if (url.includes("/dashboard/settings/integrations")) {
      const result = new URL(url).searchParams;
      if (result.get("connected") !== accountId) fail(`connecting Stripe failed: ${result.get("error") ?? "no account connected"}.`);
      return;
    }
  }
  fail("connecting Stripe went round in circles.");
}

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 8787);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) fail(`PORT must be a port number, not "${process.env.PORT ?? ""}".`);
  if (!(await portFree(port))) fail(`port ${port} is taken (is Icodrip already running?); stop that or run PORT=<another> npm run demo.`);
  const sandboxPort = await nextFreePort(port, []);
  const shopPort = await nextFreePort(sandboxPort, [port]);

  const publicUrl = `http://localhost:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), "icodrip-demo-"));
  const stopping: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const close of stopping.reverse()) await close().catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
  };

  const sandbox = await startStripeSandbox({ port: sandboxPort, redirectUris: [`${publicUrl}/integrations/stripe/callback`] });
  stopping.push(() => sandbox.close());

  let icodrip: RunningServer;
  try {
    const config = loadConfig({
      NODE_ENV: "development",
      PORT: String(port),
      PUBLIC_URL: publicUrl,
      DATA_DIR: dataDir,
      ICODRIP_SECRET: randomBytes(32).toString("base64url"),
      ICODRIP_SIGNUP: "open",
      STRIPE_API_URL: sandbox.url,
      STRIPE_CONNECT_URL: sandbox.url,
      STRIPE_SECRET_KEY: sandbox.platformKey,
      STRIPE_CLIENT_ID: sandbox.clientId,
      LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
    });
    icodrip = await startServer(config, { log: createLogger(config.logLevel) });
  } catch (error) {
    await stop();
    fail(`Icodrip could not start: ${(error as Error).message}`);
  }
  stopping.push(() => icodrip.close());

  // The merchant: an account, a program whose site is the shop, an affiliate and a link.
  const [account] = sandbox.accounts;
  const shopUrl = `http://localhost:${shopPort}`;
  const { apiKey } = await api<{ apiKey: string }>(publicUrl, "/api/v1/signup", { email: DEMO_EMAIL, password: DEMO_PASSWORD, workspace: "Demo Shop" });
  const program = await api<{ id: string; key: string }>(
    publicUrl,
    "/api/v1/programs",
    { name: "Demo partners", url: shopUrl, cookieDays: 30, holdDays: 14, commission: { type: "percent", percent: 30 }, recurring: { type: "months", months: 12 } },
    apiKey,
  );
  const affiliate = await api<{ id: string }>(publicUrl, "/api/v1/affiliates", { programId: program.id, name: "Ann Lee", email: "ann@affiliate.test", code: "ann" }, apiKey);
  const link = await api<{ url: string }>(publicUrl, "/api/v1/links", { affiliateId: affiliate.id }, apiKey);
  await connectByOAuth(publicUrl, sandbox, account.accountId);

  // The shop sells with the merchant's own key, as a real shop does (Icodrip's access is read-only).
  const shop = await startMerchantSite({
    icodripUrl: publicUrl,
    programKey: program.key,
    stripe: new Stripe(account.secretKey, { ...sandbox.stripeConfig }),
    port: shopPort,
    log: (line) => console.error(line),
    settings: {
      accounts: sandbox.accounts.map((a) => ({ label: `${a.displayName} (${a.accountId})`, secretKey: a.secretKey })),
      stripeFor: (secretKey) => new Stripe(secretKey, { ...sandbox.stripeConfig }),
    },
  }).catch(async (error: unknown) => {
    await stop();
    fail(`the example shop could not start: ${error instanceof Error ? error.message : String(error)}`);
  });
  stopping.push(() => shop.close());

  console.log(`Dashboard: ${publicUrl}/`);
  console.log(`Sign in: ${DEMO_EMAIL} / ${DEMO_PASSWORD}`);
  console.log(`API key: ${apiKey}`);
  console.log(`Affiliate link: ${link.url}`);
  console.log(`Shop: ${shopUrl}`);
  console.log(`Shop settings: ${shopUrl}/admin`);
  console.log(`Stripe sandbox: ${sandbox.url}`);
  // The hint goes to stderr, so stdout stays `Label: value` lines a program can read.
  console.error("Open the affiliate link in a private window, buy with 4242 4242 4242 4242, and watch the Conversions tab. Ctrl-C stops everything.");

  let stopped = false;
  // Signal handlers drop promises, so a failed stop is reported here rather than left unhandled.
  const shutdown = () => {
    if (stopped) return;
    stopped = true;
    stop().then(
      () => process.exit(0),
      (error: unknown) => fail(`could not stop cleanly: ${error instanceof Error ? error.message : String(error)}`),
    );
  };
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
}

await main().catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));
