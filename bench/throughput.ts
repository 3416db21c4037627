import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import Stripe from "stripe";
import { captureScripts, redisInfo, redisLimitRows } from "./redis-limits.js";
import { cannon, paced, percentile, spawnInstance, type DiskFigures, type Figures, type Instance, type Load, type LoadResult, type Shot } from "./load.js";

// The hot paths near the machine's limit: each server in a process of its own (bench/instance.ts)
// and autocannon in this one, 32 connections, every request a new visitor or a new payment, side
// by side with a bare node:http server and a bare Express app answering the same 302 in the same
// run. On a 2-core machine the load generator, the server and Redis share two cores, which is
// also why the limits are measured here rather than quoted.

type Row = [string, string, string];
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
export const WEBHOOK_SECRET = "whsec_benchsecret";
export const BENCH_PASSWORD = "bench password";
const SECRET = "bench-secret-bench-secret-bench-secret-00";

const fmt = (n: number) => `${Math.round(n).toLocaleString("en-US")}/s`;
const statuses = (r: LoadResult) => [...r.statuses.entries()].map(([s, c]) => `${c.toLocaleString("en-US")}×${s}`).join(" ") + (r.errors ? ` ${r.errors} errors` : "");
const ms = (n: number) => `${n.toFixed(1)} ms`;

interface Measured extends LoadResult {
  /** the server process's CPU time per answered request, µs */
  cpuUs: number;
  /** Redis's CPU time per answered request, µs (0 when the path does not use Redis) */
  redisUs: number;
  /** this process's (autocannon's) CPU time per answered request, µs */
  loadUs: number;
}

/**
 * What the embedded store's disk did during a held load: its WAL syncs (off the event loop, each
 * write waits for one) and its COMMITs (on the loop; the longest are those in which SQLite's own
 * checkpoint ran, see bench/NOTES.md), or nothing for an instance that does not time them.
 */
function diskNote(disk: DiskFigures | null): string {
  const part = (label: string, f: Figures | null) => (f ? `; ${label}: ${f.count.toLocaleString("en-US")}, p50 ${ms(f.p50)}, p99 ${ms(f.p99)}, max ${ms(f.max)}` : "");
  return disk ? part("WAL syncs meanwhile", disk.syncs) + part("COMMITs", disk.commits) : "";
}

/** Redis's own CPU time so far (user + system, µs), from INFO. */
async function redisCpu(redisUrl: string): Promise<number> {
  const stdout = await redisInfo(redisUrl, "cpu");
  const seconds = (field: string) => Number(new RegExp(`^${field}:([\\d.]+)`, "m").exec(stdout)?.[1] ?? NaN);
  return (seconds("used_cpu_user") + seconds("used_cpu_sys")) * 1e6;
}

/**
 * A load against one instance, with the CPU time each process on the machine spent on it: the
 * instance, Redis (given its URL) and this process, which generates the load. Their sum per
 * request is what the path costs the whole machine, and the machine's cores divided by it the
 * most it could answer here however well the work were spread.
 */
async function measured(instance: Instance, path: string, load: Load, redisUrl?: string): Promise<Measured> {
  const before = await instance.cpu();
  const redisBefore = redisUrl ? await redisCpu(redisUrl) : 0;
  const loadBefore = process.cpuUsage();
  const result = await cannon(instance.url + path, load);
  const loadSpent = process.cpuUsage(loadBefore);
  const redisSpent = redisUrl ? (await redisCpu(redisUrl)) - redisBefore : 0;
  const spent = (await instance.cpu()) - before;
  const answered = Math.max(1, [...result.statuses.values()].reduce((a, b) => a + b, 0));
  return { ...result, cpuUs: spent / answered, redisUs: redisSpent / answered, loadUs: (loadSpent.user + loadSpent.system) / answered };
}

/**
 * A path's CPU per request over the machine's processes, and the rate the machine's cores allow
 * at that cost; for a click, also as a share of bare node's rate: the most its ratio could be,
 * however the work were spread, while the server, Redis and the load generator share the cores.
 */
function machineNote(r: Measured, bareRps?: number): string {
  const total = r.cpuUs + r.redisUs + r.loadUs;
  const parts = [`server ${Math.round(r.cpuUs)}`, ...(r.redisUs > 0 ? [`Redis ${Math.round(r.redisUs)}`] : []), `load ${Math.round(r.loadUs)}`];
  const allowed = (availableParallelism() * 1e6) / total;
  const share = bareRps ? ` (${(allowed / bareRps).toFixed(3)}× bare node)` : "";
  return `machine CPU/req: ${parts.join(" + ")} = ${Math.round(total)} µs, so ${availableParallelism()} cores allow at most ${fmt(allowed)}${share}`;
}

/** Each request a different visitor (user agent), so every one records a new click. */
const visitor = (i: number): Shot => ({ headers: { "user-agent": `bench-visitor-${process.pid}-${i}-${Date.now()}` } });

export async function throughputRows(redisUrl: string): Promise<Row[]> {
  const rows: Row[] = [];
  const limits: Row[] = [];
  const limit = async (kind: "node" | "express") => {
    const bare = await spawnInstance({ BENCH_BARE: kind });
    await cannon(`${bare.url}/r/bench`, { seconds: 1 }); // warm-up
    const result = await measured(bare, "/r/bench", { seconds: SECONDS, shot: visitor });
    // The latency floor at the clicks' held rate: what the machine itself adds to a p99 there.
    const held = kind === "node" ? await paced(`${bare.url}/r/bench`, { seconds: SECONDS, rate: 2000, shot: visitor }) : null;
    await bare.close();
    return { ...result, held };
  };
  const bareNode = await limit("node");
  const cpu = (r: Measured) => `${Math.round(r.cpuUs)} µs CPU/req (${(r.cpuUs / bareNode.cpuUs).toFixed(1)}× bare)`;
  rows.push([`bare node:http 302 (autocannon, 32 connections, ${SECONDS} s)`, fmt(bareNode.rps), `p99 ${ms(bareNode.p99)}; ${Math.round(bareNode.cpuUs)} µs CPU/req; ${statuses(bareNode)}`]);
  if (bareNode.held) rows.push([`  same at a steady 2,000 requests/s`, `p50 ${ms(bareNode.held.p50)}, p99 ${ms(bareNode.held.p99)}`, `${fmt(bareNode.held.rps)} answered: the machine's own floor for the p99s held below`]);
  const bareExpress = await limit("express");
  rows.push(["bare Express 5 302", fmt(bareExpress.rps), `${(bareExpress.rps / bareNode.rps).toFixed(3)}× bare node; p99 ${ms(bareExpress.p99)}; ${cpu(bareExpress)}`]);
  const ratio = (r: Measured) => `${(r.rps / bareNode.rps).toFixed(3)}× bare node; ${cpu(r)}`;
  /** The click caught on the wire in the Redis section: the script a GET /r/:code sends. */
  let clickScript: string[] | null = null;
  const limitEnv: Partial<Record<"embedded" | "redis", Record<string, string>>> = {};

  for (const store of ["embedded", "redis"] as const) {
    const env: Record<string, string> = {
      NODE_ENV: "test",
      PORT: "0",
      DATA_DIR: mkdtempSync(join(tmpdir(), "icodrip-bench-")),
      ICODRIP_SECRET: SECRET,
      ICODRIP_CLICK_RATE_LIMIT: "100000000",
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    };
    if (store === "redis") Object.assign(env, { REDIS_URL: redisUrl, REDIS_PREFIX: `icodrip-bench:${Date.now()}:` });
    limitEnv[store] = env;
    // The embedded instance times its WAL syncs and COMMITs, for the held rows.
    const first = await spawnInstance(store === "embedded" ? { ...env, BENCH_DISK_TIMES: "1" } : env);
    const setup = await seed(first.url);
    await first.ask({ op: "connect", apiKey: setup.apiKey, accountId: "acct_bench" });

    // Click path: a tracking link, and the snippet's POST (text/plain, as the snippet sends it).
    const link = `/r/${setup.linkCode}`;
    const snippetClick = (i: number): Shot => ({
      method: "POST",
      headers: { "content-type": "text/plain", ...visitor(i).headers },
      body: JSON.stringify({ program: setup.programKey, code: "ann", url: "https://shop.example.com/?via=ann", referrer: null }),
    });
    const delivery = deliveries(store, setup.clickId);
    // The scripts each path sends Redis, caught while the instance is otherwise idle. Each path
    // is taken once first, so what is caught is a request's steady state: the instance's caches
    // warm (the link, program and affiliate are read once, not per click) and the connection's
    // "last event" just noted (it is written at most once a second).
    if (store === "redis") {
      const once = (shot: () => Shot, path: string) => async () => {
        const { method = "GET", headers, body } = shot();
        const res = await fetch(first.url + path, { method, headers, body, redirect: "manual" });
        await res.arrayBuffer();
      };
      // A new visitor each time (negative numbers, apart from the load's), so each records a click.
      let warmed = 0;
      const warm = async (shot: () => Shot, path: string) => {
        await once(shot, path)();
        return captureScripts(redisUrl, env.REDIS_PREFIX, once(shot, path));
      };
      const clickCommands = await warm(() => visitor(-++warmed), link);
      clickScript = clickCommands.length === 1 ? clickCommands[0] : null;
      const captured = [
        { label: "of GET /r/:code's scripts", commands: clickCommands },
        { label: "of POST /t/click's scripts", commands: await warm(() => snippetClick(-++warmed), "/t/click") },
        // The click a delivery pays against was there before it: kept, so the replay's commit applies.
        { label: "of a webhook delivery's scripts", commands: await warm(delivery.next, "/webhooks/stripe"), keep: [setup.clickId] },
      ];
      limits.push(...(await redisLimitRows(redisUrl, env.REDIS_PREFIX, captured)));
    }

    await cannon(first.url + link, { seconds: 1, shot: visitor }); // warm-up: caches, JIT
    const storeUrl = store === "redis" ? redisUrl : undefined;
    const click = await measured(first, link, { seconds: SECONDS, shot: visitor }, storeUrl);
    rows.push([`GET /r/:code, ${store} (records a click)`, fmt(click.rps), `${ratio(click)}; p99 ${ms(click.p99)}; ${statuses(click)}; ${machineNote(click, bareNode.rps)}`]);
    /**
     * A steady load on one path as a row, with what the disk did meanwhile (figures before it are
     * dropped), and the share of the path's full-speed rate it asks for: near or past it, a p99
     * says how busy the machine is more than what the path costs.
     */
    const held = async (label: string, path: string, rate: number, shot: (i: number) => Shot, fullSpeed: number): Promise<Row> => {
      await first.disk();
      const r = await paced(first.url + path, { seconds: SECONDS, rate, shot });
      const share = `${Math.round((100 * rate) / fullSpeed)} % of the full-speed rate above`;
      return [label, `p50 ${ms(r.p50)}, p99 ${ms(r.p99)}`, `${fmt(r.rps)} answered (${share}); ${statuses(r)}${diskNote(await first.disk())}`];
    };
    rows.push(await held("  same at a steady 2,000 clicks/s", link, 2000, visitor, click.rps));
    const posted = await measured(first, "/t/click", { seconds: SECONDS, shot: snippetClick }, storeUrl);
    rows.push([`POST /t/click, ${store} (the snippet's click)`, fmt(posted.rps), `${ratio(posted)}; p99 ${ms(posted.p99)}; ${statuses(posted)}; ${machineNote(posted, bareNode.rps)}`]);
    rows.push(await held("  same at a steady 2,000 clicks/s", "/t/click", 2000, snippetClick, posted.rps));

    // Webhook path: signed checkout.session.completed deliveries, each a new event and payment,
    // each verified, recorded once and attributed to the click.
    // A second at full speed first (signing as it goes): it warms the path and tells how many
    // deliveries to sign ahead for the measured run, with room to spare.
    const deliveryWarmUp = await cannon(first.url + "/webhooks/stripe", { seconds: 1, shot: delivery.next });
    const enough = (rate: number, seconds: number) => Math.ceil(rate * seconds * 1.5) + 1_000;
    delivery.signAhead(enough(deliveryWarmUp.rps, SECONDS));
    const hooks = await measured(first, "/webhooks/stripe", { seconds: SECONDS, shot: delivery.next }, storeUrl);
    delivery.signAhead(enough(1000, SECONDS + 1));
    rows.push([`POST /webhooks/stripe, ${store} (new payments)`, fmt(hooks.rps), `${ratio(hooks)}; p99 ${ms(hooks.p99)}; ${statuses(hooks)}; ${machineNote(hooks)}`]);
    rows.push(await held("  same at a steady 1,000 deliveries/s", "/webhooks/stripe", 1000, delivery.next, hooks.rps));

    // More instances on one Redis, the 32 connections shared among them: how the webhook path
    // grows when the work is spread (the embedded store is one process by design).
    if (store === "redis") {
      for (const n of [2, 4]) {
        const more: Instance[] = [first];
        for (let k = 1; k < n; k++) more.push(await spawnInstance(env));
        delivery.signAhead(enough(hooks.rps, SECONDS));
        const parts = await Promise.all(more.map((instance) => cannon(`${instance.url}/webhooks/stripe`, { seconds: SECONDS, connections: 32 / n, shot: delivery.next })));
        const total = parts.reduce((sum, r) => sum + r.rps, 0);
        rows.push([`  same with ${n} instances on one Redis`, fmt(total), `${(total / hooks.rps).toFixed(2)}× one instance; p99 ${ms(Math.max(...parts.map((r) => r.p99)))}`]);
        for (const instance of more.slice(1)) await instance.close();
      }
      await first.ask({ op: "drop" });
    }
    await first.close();
  }
  rows.push(...(await clickLimits(bareNode, limitEnv, clickScript)));
  return [...rows, ...limits];
}

/**
 * What bounds a click on this machine, each beside bare node: a bare node:http server whose only
 * work is the click's store write (the server's own recordClick, on each store), and, on Redis,
 * one whose only work is sending the script a real click sends. A path cannot come nearer to bare
 * node than its store write lets it; what the disk's sync alone takes bounds a held embedded click.
 */
async function clickLimits(bareNode: Measured, envs: Partial<Record<"embedded" | "redis", Record<string, string>>>, clickScript: string[] | null): Promise<Row[]> {
  const rows: Row[] = [];
  const against = async (label: string, env: Record<string, string>) => {
    const instance = await spawnInstance(env);
    await cannon(`${instance.url}/r/bench`, { seconds: 1, shot: visitor }); // warm-up
    const result = await measured(instance, "/r/bench", { seconds: SECONDS, shot: visitor });
    await instance.ask({ op: "drop" });
    await instance.close();
    rows.push([label, fmt(result.rps), `${(result.rps / bareNode.rps).toFixed(3)}× bare node; p99 ${ms(result.p99)}; ${Math.round(result.cpuUs)} µs CPU/req; ${statuses(result)}`]);
  };
  for (const store of ["embedded", "redis"] as const) {
    const env = envs[store];
    if (env) await against(`limit: bare node:http + the click's store write, ${store}`, { ...env, DATA_DIR: mkdtempSync(join(tmpdir(), "icodrip-bench-")), BENCH_BARE: "store" });
  }
  const redis = envs.redis;
  if (redis && clickScript) await against("limit: bare node:http + the click's Redis script", { ...redis, BENCH_BARE: "script", BENCH_SCRIPT: JSON.stringify(clickScript) });
  const sync = lonelySyncs(envs.embedded?.DATA_DIR ?? tmpdir());
  rows.push(["limit: one fdatasync of a 16 kB append, alone (DATA_DIR's disk)", `p50 ${ms(sync.p50)}, p99 ${ms(sync.p99)}`, `max ${ms(sync.max)} over ${sync.count} syncs: what a durable embedded write waits for at the least`]);
  return rows;
}

/** A lone writer's fdatasync times on the disk under `dir`, ms. */
function lonelySyncs(dir: string): Figures {
  const file = join(dir, "bench-sync-probe");
  const fd = openSync(file, "w");
  const block = Buffer.alloc(16_384, 1);
  const times: number[] = [];
  try {
    for (let i = 0; i < 1000; i++) {
      writeSync(fd, block);
      const started = process.hrtime.bigint();
      fdatasyncSync(fd);
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
  } finally {
    closeSync(fd);
    rmSync(file, { force: true });
  }
  times.sort((a, b) => a - b);
  return { count: times.length, p50: percentile(times, 0.5), p99: percentile(times, 0.99), max: percentile(times, 1) };
}

/** A workspace with a program, an affiliate "ann", a tracking link and one click to pay against. */
export async function seed(url: string, email = `bench-${Date.now()}@example.com`) {
  const call = async (path: string, body: unknown, key?: string): Promise<Record<string, string>> => {
    const res = await fetch(url + path, { method: "POST", headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) }, body: JSON.stringify(body) });
    const answer = (await res.json()) as unknown;
    if (!res.ok || typeof answer !== "object" || answer === null) throw new Error(`${path} answered ${res.status}: ${JSON.stringify(answer)}`);
    return answer as Record<string, string>;
  };
  const { apiKey } = await call("/api/v1/signup", { email, password: BENCH_PASSWORD, workspace: "Bench" });
  const program = await call("/api/v1/programs", { name: "Bench", url: "https://shop.example.com", commission: { type: "percent", percent: 30 } }, apiKey);
  const affiliate = await call("/api/v1/affiliates", { programId: program.id, name: "Ann", email: "ann@example.com", code: "ann" }, apiKey);
  const link = await call("/api/v1/links", { affiliateId: affiliate.id }, apiKey);
  const landing = (await fetch(`${url}/r/${link.code}`, { redirect: "manual", headers: { "user-agent": "bench-buyer" } })).headers.get("location");
  const clickId = landing ? new URL(landing).searchParams.get("icd") : null;
  if (!clickId) throw new Error("the tracking link did not redirect with a click id");
  return { apiKey, programId: program.id, affiliateId: affiliate.id, programKey: program.key, linkCode: link.code, clickId };
}

/**
 * Signed deliveries, each a new event and payment; one counter across every load run. `next`
 * signs one on the spot; `signAhead(n)` signs the next n beforehand, and `next` hands those out
 * first. Stripe signs on its own machines: signed during a run, in this process, each delivery's
 * JSON and HMAC took the two cores' time from the server and Redis under test (about 30 µs of the
 * load generator's 60 µs a delivery). A signature stays valid 300 s, far longer than a run.
 */
export function deliveries(store: string, clickId: string) {
  let n = 0;
  const run = Date.now();
  let signed: Shot[] = [];
  let at = 0;
  const sign = (): Shot => {
    const i = n++;
    const created = Math.floor(Date.now() / 1000);
    const payload = JSON.stringify({
      id: `evt_bench_${store}_${run}_${i}`, object: "event", account: "acct_bench", api_version: "2026-10-28.endive", created,
      livemode: false, pending_webhooks: 1, request: { id: null, idempotency_key: null }, type: "checkout.session.completed",
      data: { object: { id: `cs_bench_${store}_${run}_${i}`, object: "checkout.session", mode: "payment", payment_status: "paid", status: "complete", amount_total: 4_900, currency: "usd",
        client_reference_id: clickId, metadata: {}, customer: null, customer_email: null, customer_details: { email: "buyer@example.com" }, payment_intent: `pi_bench_${store}_${run}_${i}`,
        subscription: null, invoice: null, created, livemode: false } },
    });
    const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET });
    return { method: "POST", headers: { "content-type": "application/json", "stripe-signature": signature }, body: payload };
  };
  return {
    next: (): Shot => (at < signed.length ? signed[at++] : sign()),
    /** Signs the next `count` deliveries now (any left unused from before are dropped: they are older). */
    signAhead: (count: number): void => {
      signed = Array.from({ length: count }, sign);
      at = 0;
    },
  };
}
