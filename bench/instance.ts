import fs from "node:fs";
import http, { type IncomingMessage, type Server } from "node:http";
import { syncBuiltinESMExports } from "node:module";
import type { AddressInfo } from "node:net";
import { createHistogram, type RecordableHistogram } from "node:perf_hooks";
import Database from "better-sqlite3";
import express from "express";
import { pino } from "pino";
import type { Affiliate, Link, Program } from "../server/domain/types.js";
import { withIds } from "./redis-limits.js";

// One Icodrip instance in a process of its own, configured by its environment, as `npm start`
// runs it: the load generator then does not share its event loop, and several of these on one
// Redis are several instances. The parent (bench/run.ts) talks to it over the IPC channel:
// it is told "ready" with the URL, and may ask for the few set-up steps that have no HTTP route.
//
// The server is the build `npm start` runs (dist/, which `npm run bench` brings up to date
// first), not the TypeScript sources through tsx, whose transform adds work of its own (a
// __name() call around every function it defines, closures made per request included).

type Server_ = typeof import("../server/serve.js");
type Config_ = typeof import("../server/config/config.js");
type Password_ = typeof import("../server/domain/password.js");
type Redis_ = typeof import("../server/store/redis-backend.js");
type OpenStore_ = typeof import("../server/store/open-store.js");
type RecordClick_ = typeof import("../server/tracking/record-click.js");
const built = async <T>(path: string): Promise<T> => (await import(new URL(`../dist/server/${path}`, import.meta.url).href)) as T;

// Any other message is someone else's on the same channel (a profiling wrapper, say): ignored.
type Ask = { op: "connect"; apiKey: string; accountId: string } | { op: "drop" } | { op: "cpu" } | { op: "disk" } | { op: "close" } | { op: "other" };

const reply = (message: unknown) => process.send?.(message);
/**
 * CPU time this process has used (user + system, µs): read before and after a load, it gives
 * the server's own cost per request, which a busy shared machine disturbs far less than a rate.
 */
const cpuMicros = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};
/** Says "closed" and exits once the parent has the message. */
const finish = () => process.send?.({ done: "close" }, () => process.exit(0));

// BENCH_DISK_TIMES: how long each fdatasync takes (the embedded store syncs its WAL with it
// before answering a write) and each COMMIT (the part of a group commit that holds the event
// loop), so a held click's p99 can be set beside them. The store's named import of fdatasync is a
// live binding, which syncBuiltinESMExports updates; COMMIT is one better-sqlite3 statement, and
// every statement shares one prototype.
const disk = process.env.BENCH_DISK_TIMES ? { syncs: createHistogram(), commits: createHistogram() } : null;
const since = (started: bigint) => Math.max(1, Number(process.hrtime.bigint() - started));
if (disk) {
  const sync = fs.fdatasync;
  fs.fdatasync = ((fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
    const started = process.hrtime.bigint();
    sync(fd, (error) => {
      disk.syncs.record(since(started));
      callback(error);
    });
  }) as typeof fs.fdatasync;
  syncBuiltinESMExports();
  const probe = new Database(":memory:");
  const statement = Object.getPrototypeOf(probe.prepare("SELECT 1")) as Database.Statement;
  probe.close();
  // Taken off the prototype as it is (a native method), to be called with each statement as `this`.
  const run = Object.getOwnPropertyDescriptor(statement, "run")?.value as (this: Database.Statement, ...params: unknown[]) => Database.RunResult;
  statement.run = function (this: Database.Statement, ...params: unknown[]) {
    if (this.source !== "COMMIT") return run.apply(this, params);
    const started = process.hrtime.bigint();
    try {
      return run.apply(this, params);
    } finally {
      disk.commits.record(since(started));
    }
  };
}
/** Percentiles of the syncs and COMMITs since the last ask, in ms, then forgotten. */
const diskFigures = () => {
  if (!disk) return null;
  const figures = (h: RecordableHistogram) => {
    const ms = (ns: number) => ns / 1e6;
    const out = h.count ? { count: h.count, p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max) } : null;
    h.reset();
    return out;
  };
  return { syncs: figures(disk.syncs), commits: figures(disk.commits) };
};

// BENCH_BARE: the limits beside it, in the same kind of process, each answering the same 302 a
// tracking link answers (a Location header, no body) and doing nothing else but, for
//   node     nothing: a bare node:http server;
//   express  nothing, through a bare Express 5 app;
//   store    the click's store write: the server's own recordClick (tracking/record-click.ts, the
//            built one) on the configured store, for a fixed program, affiliate and link; no link
//            lookup, no landing URL, no security headers, no Express;
//   script   the Redis script a real click sends (BENCH_SCRIPT, caught on the wire by the
//            parent), its generated ids made new for each request: the click's Redis work with
//            no server logic around it.
const LANDING = "https://shop.example.com/?icd=icd_0123456789abcdefghijkl&icx=1767225600&ica=ann";
if (process.env.BENCH_BARE) {
  const listening = (s: Server) => reply({ ready: `http://127.0.0.1:${(s.address() as AddressInfo).port}` });
  const bare = process.env.BENCH_BARE;
  const answer = (res: http.ServerResponse) => res.writeHead(302, { location: LANDING }).end();
  const failed = (res: http.ServerResponse) => (error: unknown) => {
    console.error(error);
    res.writeHead(500).end();
  };
  let drop = async () => {};
  let close = async () => {};
  if (bare === "express") {
    const app = express();
    app.get("/r/:code", (_req, res) => res.redirect(302, LANDING));
    const s = app.listen(0, "127.0.0.1", () => listening(s));
  } else {
    let handle: (req: IncomingMessage, res: http.ServerResponse) => void = (_req, res) => answer(res);
    if (bare === "store") {
      const config = (await built<Config_>("config/config.js")).loadConfig(process.env);
      const store = await (await built<OpenStore_>("store/open-store.js")).openStore(config);
      const { recordClick } = await built<RecordClick_>("tracking/record-click.js");
      const { RedisBackend } = await built<Redis_>("store/redis-backend.js");
      const workspaceId = `ws_benchlimit${process.pid}`;
      const program: Program = {
        id: "prg_benchlimit", workspaceId, key: "pk_benchlimit", name: "Bench", url: "https://shop.example.com", cookieDays: 60, attribution: "last", holdDays: 30,
        commission: { type: "percent", percent: 30 }, recurring: { type: "once" }, allowSelfReferral: false, createdAt: 0,
      };
      const affiliate: Affiliate = { id: "aff_benchlimit", workspaceId, programId: program.id, name: "Ann", email: "ann@example.com", code: "ann", status: "active", createdAt: 0 };
      const link: Link = { id: "lnk_benchlimit", workspaceId, programId: program.id, affiliateId: affiliate.id, code: "benchlimit", path: null, createdAt: 0 };
      handle = (req, res) => {
        const visit = { ip: req.socket.remoteAddress ?? "", userAgent: req.headers["user-agent"] ?? null, landingUrl: "https://shop.example.com/", referrer: null, country: null };
        recordClick(store, config.secret, { program, affiliate, link, ...visit }, Date.now(), config.clickRateLimit).then(() => answer(res), failed(res));
      };
      drop = async () => {
        if (store.backend instanceof RedisBackend) await store.backend.dropAll();
      };
      close = () => store.close();
    } else if (bare === "script") {
      const { RedisBackend } = await built<Redis_>("store/redis-backend.js");
      const { createClient } = await import("redis");
      const client = createClient({ url: process.env.REDIS_URL, commandOptions: { timeout: 0 } });
      await client.connect();
      // The script cut once where its ids end, so a request only joins the pieces with its own
      // suffix: no pattern matching on the path whose cost this row measures.
      const pieces = withIds(JSON.parse(process.env.BENCH_SCRIPT ?? "[]") as string[], (id) => `${id}\u0000`).map((arg) => arg.split("\u0000"));
      let n = 0;
      handle = (_req, res) => {
        const suffix = `-${process.pid}-${n++}`;
        client.sendCommand(pieces.map((parts) => parts.join(suffix))).then(() => answer(res), failed(res));
      };
      drop = async () => {
        const backend = await RedisBackend.connect(process.env.REDIS_URL ?? "", process.env.REDIS_PREFIX);
        await backend.dropAll();
        await backend.close();
      };
      close = async () => {
        await client.close();
      };
    }
    const s = http.createServer(handle);
    s.listen(0, "127.0.0.1", () => listening(s));
  }
  process.on("message", (ask: Ask) => {
    if (ask.op === "cpu") reply({ done: "cpu", cpu: cpuMicros() });
    else if (ask.op === "drop") void drop().then(() => reply({ done: "drop" }));
    else if (ask.op === "close") void close().then(finish);
  });
} else {
  await serve();
}

async function serve() {
  const { loadConfig } = await built<Config_>("config/config.js");
  const { startServer } = await built<Server_>("serve.js");
  const { hashApiKey } = await built<Password_>("domain/password.js");
  const { RedisBackend } = await built<Redis_>("store/redis-backend.js");
  const server = await startServer(loadConfig(process.env), { log: pino({ level: "silent" }) });

  process.on("message", (ask: Ask) => {
    void (async () => {
      if (ask.op === "connect") {
        // A connected Stripe account, as OAuth would leave it: webhooks from it are then accepted.
        const workspace = await server.store.workspaceByApiKeyHash(hashApiKey(ask.apiKey));
        if (!workspace) throw new Error("no workspace has this API key");
        await server.store.putConnection({
          workspaceId: workspace.id, accountId: ask.accountId, livemode: false, method: "oauth", sealedToken: "-", webhook: null,
          status: "connected", lastEventAt: null, problem: null, connectedAt: Date.now(),
        });
      } else if (ask.op === "cpu") {
        reply({ done: ask.op, cpu: cpuMicros() });
        return;
      } else if (ask.op === "disk") {
        reply({ done: ask.op, disk: diskFigures() });
        return;
      } else if (ask.op === "drop") {
        if (server.store.backend instanceof RedisBackend) await server.store.backend.dropAll();
      } else if (ask.op === "close") {
        await server.close();
        finish();
        return;
      } else {
        return; // not ours to answer
      }
      reply({ done: ask.op });
    })().catch((error: unknown) => reply({ error: error instanceof Error ? error.message : String(error) }));
  });

  reply({ ready: server.url });
}
