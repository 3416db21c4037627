import http, { type Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { pino } from "pino";
import { loadConfig } from "../server/config/config.js";
import { hashApiKey } from "../server/domain/password.js";
import { startServer } from "../server/serve.js";
import { RedisBackend } from "../server/store/redis-backend.js";

// One Icodrip instance in a process of its own, configured by its environment, as `npm start`
// runs it: the load generator then does not share its event loop, and several of these on one
// Redis are several instances. The parent (bench/run.ts) talks to it over the IPC channel:
// it is told "ready" with the URL, and may ask for the few set-up steps that have no HTTP route.

// Any other message is someone else's on the same channel (a profiling wrapper, say): ignored.
type Ask = { op: "connect"; apiKey: string; accountId: string } | { op: "drop" } | { op: "cpu" } | { op: "close" } | { op: "other" };

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

// BENCH_BARE: the limits beside it, in the same kind of process: a bare node:http server and a
// bare Express 5 app answering the same 302 a tracking link answers, and nothing else.
const LANDING = "https://shop.example.com/?icd=icd_0123456789abcdefghijkl&icx=1767225600&ica=ann";
if (process.env.BENCH_BARE) {
  const listening = (s: Server) => reply({ ready: `http://127.0.0.1:${(s.address() as AddressInfo).port}` });
  if (process.env.BENCH_BARE === "node") {
    const s = http.createServer((_req, res) => res.writeHead(302, { location: LANDING }).end());
    s.listen(0, "127.0.0.1", () => listening(s));
  } else {
    const app = express();
    app.get("/r/:code", (_req, res) => res.redirect(302, LANDING));
    const s = app.listen(0, "127.0.0.1", () => listening(s));
  }
  process.on("message", (ask: Ask) => {
    if (ask.op === "cpu") reply({ done: "cpu", cpu: cpuMicros() });
    else if (ask.op === "close") finish();
  });
} else {
  await serve();
}

async function serve() {
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
