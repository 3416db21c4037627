import { execFile, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { createClient } from "redis";

// What Redis alone does with the scripts the hot paths send it, so a reader sees how close each
// path comes to Redis's own limit. The scripts are not written out again here: they are caught
// on the wire (MONITOR) while the real server handles one click and one delivery, then replayed by
// redis-benchmark, 32 connections, with every id the request made (click, event, payment,
// conversion, visitor fingerprint) turned into a random number per call, so each call writes new
// keys as the real traffic does. Ids of documents that existed before the request (the click a
// delivery pays against) stay as they are: randomised, the script's check on them would fail and
// it would stop before writing anything. Each replay is tried once first and must apply.

type Row = [string, string, string];
const run = promisify(execFile);

export interface Captured {
  label: string;
  commands: string[][];
  /** ids of documents the request found rather than made, kept as they are in the replay */
  keep?: string[];
}

/** The EVALSHA/EVAL calls made under `prefix` while `action` runs. */
export async function captureScripts(redisUrl: string, prefix: string, action: () => Promise<void>): Promise<string[][]> {
  const { hostname, port } = new URL(redisUrl);
  const monitor = spawn("redis-cli", ["-h", hostname, "-p", port || "6379", "monitor"], { stdio: ["ignore", "pipe", "ignore"] });
  const lines = createInterface({ input: monitor.stdout });
  const seen: string[][] = [];
  const started = new Promise<void>((resolve) => lines.once("line", () => resolve())); // "OK"
  lines.on("line", (line) => {
    const args = [...line.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => unescapeMonitor(m[1]));
    if ((args[0] === "EVALSHA" || args[0] === "EVAL") && args.slice(3).some((a) => a.startsWith(prefix))) seen.push(args);
  });
  await started;
  await action();
  // A PING after the action: once MONITOR shows it, every command before it has been shown too.
  const marker = `bench-marker-${Date.now()}`;
  const flushed = new Promise<void>((resolve) => lines.on("line", (line) => line.includes(marker) && resolve()));
  await run("redis-cli", ["-h", hostname, "-p", port || "6379", "ECHO", marker]);
  await flushed;
  monitor.kill();
  return seen;
}

/**
 * redis-benchmark's rate for each captured script, and PING and a plain SET beside them. Every
 * key written is under `prefix`, so the bench's clean-up removes them with the rest.
 */
export async function redisLimitRows(redisUrl: string, prefix: string, captured: Captured[]): Promise<Row[]> {
  const { hostname, port } = new URL(redisUrl);
  const bench = async (n: number, args: string[]) => {
    const { stdout } = await run("redis-benchmark", ["-h", hostname, "-p", port || "6379", "-c", "32", "-n", String(n), "-r", "1000000000", "-q", ...args], { maxBuffer: 1 << 20 });
    // -q prints "NAME: 123456.79 requests per second, p50=0.1 msec"; the last figure line counts.
    const rates = [...stdout.matchAll(/([\d.]+) requests per second/g)].map((m) => Number(m[1]));
    const rate = rates.at(-1);
    if (!rate) throw new Error(`redis-benchmark printed no rate: ${stdout.slice(-200)}`);
    return rate;
  };
  const rows: Row[] = [];
  const ping = await bench(100_000, ["PING"]);
  rows.push(["redis-benchmark PING (32 connections)", `${fmt(ping)}/s`, "the round trip alone"]);
  const set = await bench(100_000, ["SET", `${prefix}limit:__rand_int__`, "value"]);
  rows.push(["redis-benchmark SET of a new key", `${fmt(set)}/s`, `${(set / ping).toFixed(2)}× PING`]);
  for (const { label, commands, keep = [] } of captured) {
    if (commands.length === 0) {
      rows.push([`redis-benchmark ${label}`, "not measured", "no script was seen on the wire"]);
      continue;
    }
    // Each script in turn; a path that runs several is limited by their sum of times.
    const rates: number[] = [];
    const stopped: string[] = [];
    for (const command of commands) {
      const replay = randomised(command, keep);
      const writesPerCall = await mustApply(redisUrl, label, replay);
      const before = await writesSoFar(redisUrl);
      rates.push(await bench(REPLAYS, replay));
      // Every replay must have written what the first did: one that stopped early (a check or
      // guard that failed, an error) is quicker and would flatter the rate.
      const applied = ((await writesSoFar(redisUrl)) - before) / (REPLAYS * writesPerCall);
      if (writesPerCall > 0 && applied < 0.99) {
        // What a replay answers now says why (a guard found, a rate limited, a check failed).
        const now = await answerOf(redisUrl, replay);
        stopped.push(`only ${(applied * 100).toFixed(0)} % of replays of call ${rates.length} wrote what the first did (one more answers ${now})`);
      }
    }
    const combined = 1 / rates.reduce((sum, r) => sum + 1 / r, 0);
    const each = rates.map((r) => fmt(r)).join(" + ");
    if (stopped.length > 0) rows.push([`redis-benchmark ${label}`, "not measured", stopped.join("; ")]);
    else rows.push([`redis-benchmark ${label}`, `${fmt(combined)}/s`, `${commands.length} script call(s) per request (${each}/s each); ${(combined / ping).toFixed(2)}× PING`]);
  }
  return rows;
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const REPLAYS = 20_000;

// The commands the scripts write with (INFO commandstats names them in lower case).
const WRITES = new Set(["hset", "hincrby", "incr", "pexpire", "persist", "del", "zadd", "zrem"]);

/** One section of Redis's INFO, as text. */
export async function redisInfo(redisUrl: string, section: "cpu" | "commandstats"): Promise<string> {
  return (await run("redis-cli", ["-u", redisUrl, "INFO", section])).stdout;
}

/** How many write commands Redis has run since its stats were last reset (scripts' own included). */
async function writesSoFar(redisUrl: string): Promise<number> {
  const stdout = await redisInfo(redisUrl, "commandstats");
  let total = 0;
  for (const [, name, calls] of stdout.matchAll(/^cmdstat_([a-z|]+):calls=(\d+)/gm)) if (WRITES.has(name)) total += Number(calls);
  return total;
}

/** Ids the server made for one request become random per call, keeping their length class. */
function randomised(command: string[], keep: string[]): string[] {
  return withIds(command, (id) => (keep.includes(id) ? id : `${id.split(/[_:]/)[0]}___rand_int__`));
}

/**
 * Sends the replay once (each random placeholder a number, as redis-benchmark would) and throws
 * unless the script applied: a commit answers 1, a guarded commit "applied", a read its list.
 * A replay whose check fails stops early and would measure a script that writes nothing.
 * Answers how many write commands the call ran, which every replay after it must run too.
 */
async function mustApply(redisUrl: string, label: string, command: string[]): Promise<number> {
  const before = await writesSoFar(redisUrl);
  const outcome = await answerOf(redisUrl, command);
  if (outcome === "0" || ["conflict", "exists", "limited"].includes(outcome)) {
    throw new Error(`the replay ${label} did not apply (it answered ${outcome}): one of its ids names a document the request found, not one it made; pass it in keep`);
  }
  return (await writesSoFar(redisUrl)) - before;
}

/** Sends the replay once, each random placeholder a number as redis-benchmark would; answers the script's first reply as text. */
async function answerOf(redisUrl: string, command: string[]): Promise<string> {
  const client = await createClient({ url: redisUrl }).connect();
  try {
    const reply = await client.sendCommand(command.map((arg) => arg.replaceAll("__rand_int__", () => String(Math.floor(Math.random() * 1e12)))));
    const first: unknown = Array.isArray(reply) ? reply[0] : reply;
    return typeof first === "string" || typeof first === "number" ? String(first) : JSON.stringify(first);
  } finally {
    await client.quit();
  }
}

/**
 * The command with every id the server generated for its request (click, event, payment,
 * visitor fingerprint, …) replaced by `replace(id)`, in keys and payloads alike; the command
 * name and the script's SHA stay as they are.
 */
export function withIds(command: string[], replace: (id: string) => string): string[] {
  return command.map((arg, i) => (i < 2 ? arg : arg.replace(/\b((?:icd|evt|cs|pi|ch|in|cnv|whd)_[A-Za-z0-9_-]+|clickrepeat:[A-Za-z0-9_-]+)/g, replace)));
}

/** MONITOR quotes each argument: \\ \" \n \r \t \a \b and \xHH for other bytes. */
function unescapeMonitor(text: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== "\\") {
      bytes.push(...Buffer.from(c, "utf8"));
      continue;
    }
    const next = text[++i];
    if (next === "x") {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      const map: Record<string, number> = { n: 10, r: 13, t: 9, a: 7, b: 8 };
      bytes.push(map[next] ?? next.charCodeAt(0));
    }
  }
  return Buffer.from(bytes).toString("utf8");
}
