import http from "node:http";
import { fork } from "node:child_process";
import { join } from "node:path";
import autocannon from "autocannon";

export interface Shot {
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
}

/** Sends `total` requests with `concurrency` in flight over keep-alive; answers requests per second. */
export async function measure(url: string, total: number, concurrency: number, shot: (i: number) => Shot = () => ({})): Promise<{ rps: number; statuses: Map<number, number> }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const statuses = new Map<number, number>();
  let next = 0;
  const one = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const { method = "GET", headers = {}, body } = shot(i);
      const req = http.request(url, { method, agent, headers }, (res) => {
        statuses.set(res.statusCode ?? 0, (statuses.get(res.statusCode ?? 0) ?? 0) + 1);
        res.resume();
        res.on("end", () => resolve());
      });
      req.on("error", reject);
      req.end(body);
    });
  const worker = async () => {
    while (next < total) await one(next++);
  };
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  agent.destroy();
  return { rps: total / seconds, statuses };
}

export interface Load {
  /** one request's method, headers and body; called for every request, so each can differ */
  shot?: (i: number) => Shot;
  connections?: number;
  /** how many requests in all (default: run for `seconds`) */
  amount?: number;
  seconds?: number;
}

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  statuses: Map<number, number>;
  errors: number;
}

/** autocannon against `url` as fast as it answers (the figures come from it: 32 connections, keep-alive). */
export async function cannon(url: string, load: Load): Promise<LoadResult> {
  let i = 0;
  const shot = load.shot ?? (() => ({}));
  const result = await autocannon({
    url,
    connections: load.connections ?? 32,
    ...(load.amount ? { amount: load.amount } : { duration: load.seconds ?? 5 }),
    requests: [{ setupRequest: (req) => ({ ...req, ...shot(i++) }) }],
  });
  const statuses = new Map<number, number>();
  for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {})) statuses.set(Number(code), Number(count));
  const answered = [...statuses.values()].reduce((a, b) => a + b, 0);
  return { rps: answered / result.duration, p50: result.latency.p50, p99: result.latency.p99, statuses, errors: result.errors };
}

/**
 * Requests at a steady `rate` per second, open loop, for the latency at that rate: each request
 * is due at its own instant (start + i / rate) and is sent then whatever the ones before it are
 * doing, on a pool of keep-alive connections, and its latency counts from that instant, so a
 * stall of the server (or of this process) shows in the p99 rather than slowing the load. Not
 * autocannon's overallRate, which lets every connection send its share of the second as fast
 * as it is answered and then wait for the next second: a burst at full speed, not a rate. The
 * first second is a warm-up at the same rate (connections opened, code warm) and not counted.
 */
export async function paced(url: string, { rate, seconds, shot = () => ({}) }: { rate: number; seconds: number; shot?: (i: number) => Shot }): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const warmUp = Math.round(rate);
  const total = warmUp + Math.round(rate * seconds);
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let errors = 0;
  const send = (i: number, due: number) =>
    new Promise<void>((resolve) => {
      const { method = "GET", headers = {}, body } = shot(i);
      const req = http.request(url, { method, agent, headers }, (res) => {
        res.resume();
        res.on("end", () => {
          if (i >= warmUp) {
            latencies.push(performance.now() - due);
            statuses.set(res.statusCode ?? 0, (statuses.get(res.statusCode ?? 0) ?? 0) + 1);
          }
          resolve();
        });
      });
      req.on("error", () => {
        if (i >= warmUp) errors++;
        resolve();
      });
      req.end(body);
    });
  const inFlight: Promise<void>[] = [];
  const start = performance.now();
  let sent = 0;
  await new Promise<void>((done) => {
    // Every millisecond (as near as timers allow) sends what has fallen due since the last tick.
    const tick = setInterval(() => {
      const now = performance.now();
      while (sent < total && start + (sent * 1000) / rate <= now) {
        inFlight.push(send(sent, start + (sent * 1000) / rate));
        sent++;
      }
      if (sent >= total) {
        clearInterval(tick);
        done();
      }
    }, 1);
  });
  await Promise.all(inFlight);
  const elapsed = (performance.now() - start) / 1000 - warmUp / rate;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / elapsed, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), statuses, errors };
}

/** The value at fraction `q` (0–1) of numbers sorted ascending; NaN when there are none. */
export function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? NaN;
}

export interface Instance {
  url: string;
  /** asks the instance for a set-up step (bench/instance.ts) and waits until it is done */
  ask(message: Record<string, unknown>): Promise<void>;
  /** CPU time the instance has used so far, µs */
  cpu(): Promise<number>;
  /** its fdatasync and COMMIT times since the last call, ms (started with BENCH_DISK_TIMES; else null) */
  disk(): Promise<DiskFigures | null>;
  close(): Promise<void>;
}

export interface DiskFigures {
  syncs: Figures | null;
  commits: Figures | null;
}

export interface Figures {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/** Starts bench/instance.ts in a process of its own with `env`; answers once it listens. */
export async function spawnInstance(env: Record<string, string>): Promise<Instance> {
  // node --import tsx rather than the tsx CLI: one process, so killing it leaves nothing behind.
  // BENCH_NODE_ARGS adds Node flags to the instances only (`--cpu-prof --cpu-prof-dir=DIR` to profile them).
  const child = fork(join(import.meta.dirname, "instance.ts"), [], { env: { ...process.env, ...env }, execArgv: ["--import", "tsx", ...(process.env.BENCH_NODE_ARGS?.split(" ").filter(Boolean) ?? [])], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const next = () =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`the bench instance exited (${String(code)}) before answering`));
      child.once("exit", onExit);
      child.once("message", (m: Record<string, unknown>) => {
        child.off("exit", onExit);
        if (typeof m.error === "string") reject(new Error(m.error));
        else resolve(m);
      });
    });
  const ready = await next();
  const ask = async (message: Record<string, unknown>) => {
    const answer = next();
    child.send(message);
    return answer;
  };
  return {
    url: String(ready.ready),
    ask: async (message) => {
      await ask(message);
    },
    cpu: async () => Number((await ask({ op: "cpu" })).cpu),
    disk: async () => ((await ask({ op: "disk" })).disk as DiskFigures | null) ?? null,
    close: async () => {
      await ask({ op: "close" });
    },
  };
}
