import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { pino } from "pino";
import { loadConfig } from "../server/config/config.js";
import { startServer } from "../server/serve.js";
import Stripe from "stripe";
import { createClient } from "redis";
import { recordClick } from "../server/tracking/record-click.js";
import { hashApiKey } from "../server/domain/password.js";
import { RedisBackend } from "../server/store/redis-backend.js";
import { measure, percentile } from "./load.js";
import { snippetLoadRows } from "./snippet-load.js";
import { BENCH_PASSWORD, deliveries, seed, throughputRows, WEBHOOK_SECRET } from "./throughput.js";
import { seedReportCounters } from "./seed-reports.js";

// One table, every figure measured in this run side by side, so a busy machine slows both sides
// of each ratio alike. Run with `npm run bench`.

const rows: [string, string, string][] = [];

// 1. Snippet size against the peers' trackers (their figures: bench/peers.md).
const snippet = readFileSync(join(import.meta.dirname, "..", "dist", "snippet.js"));
const ours = gzipSync(snippet, { level: 9 }).length;
rows.push(["snippet.js (ours), raw / gzip -9", `${snippet.length} / ${ours} B`, "issue 14's target: 1,500 B gzip"]);
const peers = readFileSync(join(import.meta.dirname, "peers.md"), "utf8")
  .split("\n")
  .filter((line) => /^\| [A-Z]/.test(line) && !line.startsWith("| tracker"))
  .map((line) => line.split("|").map((cell) => cell.trim()));
for (const [, name, raw, gzip] of peers) {
  rows.push([`  ${name} (bench/peers.md)`, `${raw} / ${gzip} B`, `ours is ${(ours / Number(gzip)).toFixed(2)}× its gzip size`]);
}

rows.push(...(await snippetLoadRows()));

// 2. The hot paths against their limits, each server in its own process under autocannon
// (bench/throughput.ts), and what Redis alone does with the scripts they run (bench/redis-limits.ts).
const redisUrl = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
rows.push(...(await throughputRows(redisUrl)));

// 3–7 run against a server in this process: they need its store (seeding, the memory count).
const TOTAL = Number(process.env.BENCH_REQUESTS ?? 3000);
const CONCURRENCY = 16;
const statuses = (m: Map<number, number>) => [...m.entries()].map(([s, c]) => `${c}×${s}`).join(" ");
const fmt = (n: number) => `${Math.round(n).toLocaleString("en-US")} req/s`;

for (const store of ["embedded", "redis"] as const) {
  const env: Record<string, string> = {
    NODE_ENV: "test",
    PORT: "0",
    DATA_DIR: mkdtempSync(join(tmpdir(), "icodrip-bench-")),
    ICODRIP_SECRET: "bench-secret-bench-secret-bench-secret-00",
    ICODRIP_CLICK_RATE_LIMIT: "1000000",
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    // Section 4 sends each flooding client from its own address (X-Forwarded-For).
    TRUST_PROXY: "true",
  };
  if (store === "redis") Object.assign(env, { REDIS_URL: redisUrl, REDIS_PREFIX: `icodrip-bench:${Date.now()}:` });
  const server = await startServer(loadConfig(env), { log: pino({ level: "silent" }) }).catch((error: unknown) => {
    rows.push([`GET /r/:code, ${store} store`, "not measured", `could not start: ${error instanceof Error ? error.message : String(error)}`]);
    return null;
  });
  if (!server) continue;
  const benchEmail = `bench-${store}-${Date.now()}@example.com`;
  const { apiKey, programId, affiliateId, clickId } = await seed(server.url, benchEmail);
  // 3. Signed deliveries from this process's own client (section 2 has the path's real rate):
  // the baseline the flood below is compared with.
  const workspace = await server.store.workspaceByApiKeyHash(hashApiKey(apiKey));
  if (!workspace) throw new Error("the bench workspace was not found by its API key");
  await server.store.putConnection({
    workspaceId: workspace.id, accountId: "acct_bench", livemode: false, method: "oauth", sealedToken: "-", webhook: null,
    status: "connected", lastEventAt: null, problem: null, connectedAt: Date.now(),
  });
  const genuineDeliveries = deliveries(`${store}-inprocess`, clickId);
  const delivery = () => genuineDeliveries.next();
  const WEBHOOKS = Math.ceil(TOTAL / 3);
  const hooks = await measure(`${server.url}/webhooks/stripe`, WEBHOOKS, CONCURRENCY, delivery);
  const processed = await fetch(`${server.url}/api/v1/webhook-deliveries?outcome=processed&limit=100`, { headers: { authorization: `Bearer ${apiKey}` } }).then((r) => r.json() as Promise<{ data: unknown[]; nextCursor: string | null }>);
  if (processed.data.length !== 100) throw new Error(`only ${processed.data.length} of the last 100 deliveries were processed`);

  // 4. The same genuine deliveries (new events) while a flood of bad ones (unsigned, wrongly
  // signed, unknown accounts) hits both webhook routes from one address at the same time.
  const bad = (i: number) => {
    const payload = JSON.stringify({ id: `evt_forged_${i}`, object: "event", type: "checkout.session.completed" });
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (i % 3 !== 0) headers["stripe-signature"] = Stripe.webhooks.generateTestHeaderString({ payload, secret: "whsec_attacker" });
    return { method: "POST" as const, headers, body: payload };
  };
  const FLOOD = WEBHOOKS * 3;
  const [underFlood, flood, floodAccount] = await Promise.all([
    measure(`${server.url}/webhooks/stripe`, WEBHOOKS, CONCURRENCY, delivery),
    measure(`${server.url}/webhooks/stripe`, FLOOD, CONCURRENCY, bad),
    measure(`${server.url}/webhooks/stripe/acct_benchnobody`, FLOOD, CONCURRENCY, bad),
  ]);
  const latency = (rps: number) => `${((CONCURRENCY / rps) * 1000).toFixed(1)} ms mean`;
  rows.push([
    `POST /webhooks/stripe, ${store}, during a flood of ${FLOOD * 2} bad deliveries (16 in flight, this process's client)`,
    fmt(underFlood.rps),
    `${(underFlood.rps / hooks.rps).toFixed(3)}× without flood (${fmt(hooks.rps)}); ${latency(underFlood.rps)} vs ${latency(hooks.rps)}; ${statuses(underFlood.statuses)}; flood answered ${statuses(flood.statuses)} / ${statuses(floodAccount.statuses)}`,
  ]);

  // 4b. The issue's scenario: 1,000 bad deliveries in a minute (paced, ~17/s) and, for headroom,
  // the same 1,000 in six seconds, against genuine deliveries sent one at a time: what one genuine
  // delivery's latency becomes, median and 95th percentile.
  const one = async () => {
    const shot = delivery();
    const started = performance.now();
    const res = await fetch(`${server.url}/webhooks/stripe`, { method: "POST", headers: shot.headers, body: shot.body });
    await res.arrayBuffer();
    return performance.now() - started;
  };
  const genuine = async (n: number) => {
    const ms: number[] = [];
    for (let i = 0; i < n; i++) ms.push(await one());
    return ms.sort((a, b) => a - b);
  };
  const signed = (ms: number) => `${ms < 0 ? "−" : "+"}${Math.abs(ms).toFixed(1)}`;
  const quiet = await genuine(100);
  const paced = async (perSecond: number, stop: { done: boolean }) => {
    let i = 0;
    const interval = 1000 / perSecond;
    const started = performance.now();
    const inFlight: Promise<unknown>[] = [];
    while (!stop.done && i < 1000) {
      const shot = bad(100_000 + i);
      inFlight.push(fetch(`${server.url}/webhooks/stripe/acct_benchflood${i % 50}`, { method: "POST", headers: { ...shot.headers, "x-forwarded-for": `198.18.${i % 200}.1` }, body: shot.body }).then((r) => r.arrayBuffer()).catch(() => null));
      i++;
      const wait = started + i * interval - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    await Promise.all(inFlight);
  };
  for (const [label, perSecond] of [["1,000 bad a minute", 1000 / 60], ["1,000 bad in 6 s", 1000 / 6]] as const) {
    const stop = { done: false };
    const flooding = paced(perSecond, stop);
    const during = await genuine(100);
    stop.done = true;
    await flooding;
    rows.push([
      `  one genuine delivery at a time, during ${label}`,
      `p50 ${percentile(during, 0.5).toFixed(1)} ms, p95 ${percentile(during, 0.95).toFixed(1)} ms`,
      `quiet: p50 ${percentile(quiet, 0.5).toFixed(1)} ms, p95 ${percentile(quiet, 0.95).toFixed(1)} ms (${signed(percentile(during, 0.5) - percentile(quiet, 0.5))} ms at p50)`,
    ]);
  }

  // 5. A genuine sign-in alone, and while 120 bad sign-ins from 120 other addresses arrive at once.
  const signIn = async (ip: string, email: string, password: string) => {
    const started = performance.now();
    const res = await fetch(`${server.url}/session`, { method: "POST", headers: { "content-type": "application/json", "x-forwarded-for": ip }, body: JSON.stringify({ email, password }) });
    await res.arrayBuffer();
    return { ms: performance.now() - started, status: res.status, retryAfter: Number(res.headers.get("retry-after") ?? 0) };
  };
  const alone: number[] = [];
  for (let i = 0; i < 5; i++) alone.push((await signIn("198.51.100.1", benchEmail, BENCH_PASSWORD)).ms);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const badSignIns = Array.from({ length: 120 }, (_, i) => signIn(`203.0.113.${i + 1}`, `nobody-${i}@example.com`, "wrong password"));
  // As a person (or the login form) would: a busy answer (503) is retried after its Retry-After.
  const firstTry = await signIn("198.51.100.2", benchEmail, BENCH_PASSWORD);
  const during = { ...firstTry, tries: 1 };
  while (during.status === 503 && during.tries < 5) {
    await new Promise((resolve) => setTimeout(resolve, during.retryAfter * 1000));
    const again = await signIn("198.51.100.2", benchEmail, BENCH_PASSWORD);
    Object.assign(during, { ms: during.ms + during.retryAfter * 1000 + again.ms, status: again.status, retryAfter: again.retryAfter, tries: during.tries + 1 });
  }
  const flooded = new Map<number, number>();
  for (const r of await Promise.all(badSignIns)) flooded.set(r.status, (flooded.get(r.status) ?? 0) + 1);
  rows.push([`POST /session alone, ${store} store (median of 5)`, `${median(alone).toFixed(0)} ms`, "201"]);
  rows.push([
    `POST /session during 120 bad sign-ins, ${store} store`,
    `${during.ms.toFixed(0)} ms (${during.status})`,
    `${(during.ms / median(alone)).toFixed(1)}× alone; first try ${firstTry.status} in ${firstTry.ms.toFixed(0)} ms, ${during.tries} tries; flood answered ${statuses(flooded)}`,
  ]);

  // 6. Reports over a big workspace: 1,000,000 clicks and 100,000 conversions over 90 days, 5
  // programs, 500 affiliates, two currencies, some refunded. The counters are seeded with the
  // tallies those rows would add when written (reports/figures.ts, store/stats.ts), in large
  // units, since writing a million clicks one request at a time would take the bench minutes;
  // the reports read the counters only, so what they cost is what is measured. Each answer is
  // timed end to end over HTTP, against GET /healthz on the same server.
  await seedReportCounters(server.store, workspace.id);
  const auth = { headers: { authorization: `Bearer ${apiKey}` } };
  const to = new Date().toISOString().slice(0, 10);
  const from = new Date(Date.now() - 29 * 24 * 3600 * 1000).toISOString().slice(0, 10);
  const timed = async (path: string, n: number) => {
    const ms: number[] = [];
    let body = "";
    for (let i = 0; i < n; i++) {
      // The server closes an idle kept-alive socket after 5 s; fetch may pick one that is just
      // closing (ECONNRESET). That request is sent again and not timed.
      await fetch(server.url + "/healthz").then((r) => r.arrayBuffer()).catch(() => null);
      const started = performance.now();
      const res = await fetch(server.url + path, auth);
      body = await res.text();
      if (!res.ok) throw new Error(`${path} answered ${res.status}: ${body}`);
      ms.push(performance.now() - started);
    }
    return { ms: ms.sort((a, b) => a - b), body };
  };
  const health = await timed("/healthz", 200);
  const summary = await timed(`/api/v1/reports/summary?from=${from}&to=${to}`, 200);
  const summaryClicks = (JSON.parse(summary.body) as { clicks: number }).clicks;
  for (const [label, path] of [
    ["30-day summary", `/api/v1/reports/summary?from=${from}&to=${to}`],
    ["30-day time series", `/api/v1/reports/timeseries?from=${from}&to=${to}`],
    ["30-day summary of one program", `/api/v1/reports/summary?from=${from}&to=${to}&programId=bench_p0`],
    ["30-day rows of 500 affiliates", `/api/v1/reports/affiliates?from=${from}&to=${to}`],
  ] as const) {
    const r = label === "30-day summary" ? summary : await timed(path, 200);
    rows.push([
      `GET ${label}, ${store} store (1M clicks, 100k conversions)`,
      `p50 ${percentile(r.ms, 0.5).toFixed(1)} ms, p99 ${percentile(r.ms, 0.99).toFixed(1)} ms`,
      `${(percentile(r.ms, 0.5) / percentile(health.ms, 0.5)).toFixed(1)}× /healthz (p50 ${percentile(health.ms, 0.5).toFixed(2)} ms)${label === "30-day summary" ? `; ${summaryClicks.toLocaleString("en-US")} clicks in range` : ""}`,
    ]);
  }

  // 7. Redis memory per stored click: INFO used_memory before and after 100,000 clicks written
  // through the click path's own function (each a new visitor), 64 at a time.
  if (store === "redis") {
    const info = createClient({ url: redisUrl });
    await info.connect();
    const used = async () => Number(/used_memory:(\d+)/.exec(await info.info("memory"))?.[1] ?? NaN);
    const programDoc = await server.store.getProgram(workspace.id, programId);
    const affiliateDoc = await server.store.getAffiliate(workspace.id, affiliateId);
    if (!programDoc || !affiliateDoc) throw new Error("the bench program or affiliate is gone");
    const CLICKS = 100_000;
    const before = await used();
    for (let i = 0; i < CLICKS; i += 64) {
      await Promise.all(
        Array.from({ length: Math.min(64, CLICKS - i) }, (_, j) =>
          recordClick(server.store, "bench-secret-bench-secret-bench-secret-00", { program: programDoc, affiliate: affiliateDoc, link: null, ip: `10.0.${(i + j) % 250}.${(i + j) % 251}`, userAgent: `bench-memory-${i + j}`, landingUrl: "https://shop.example.com/?via=ann", referrer: null, country: null }, Date.now(), 1e9),
        ),
      );
    }
    const after = await used();
    rows.push([`Redis memory per stored click (${CLICKS.toLocaleString("en-US")} clicks)`, `${Math.round((after - before) / CLICKS)} B`, `INFO used_memory ${(before / 1e6).toFixed(1)} → ${(after / 1e6).toFixed(1)} MB (click, its indexes, repeat-visitor key, counters)`]);
    await info.quit();
  }

  if (store === "redis" && server.store.backend instanceof RedisBackend) await server.store.backend.dropAll();
  await server.close();
}
const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length), ["measure", "value", "comparison"][i].length));
const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
console.log(line(["measure", "value", "comparison"]));
console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
for (const r of rows) console.log(line(r));
