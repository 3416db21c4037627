import { mkdtempSync, readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { pino } from "pino";
import { loadConfig } from "../server/config/config.js";
import { startServer } from "../server/serve.js";
import { measure } from "./load.js";

// One table, every figure measured in this run side by side, so a busy machine slows both sides
// of each ratio alike. Run with `npm run bench`.

const rows: [string, string, string][] = [];

// 1. Snippet size against the peers' trackers (their figures: bench/peers.md).
const snippet = readFileSync(join(import.meta.dirname, "..", "dist", "snippet.js"));
const ours = gzipSync(snippet, { level: 9 }).length;
rows.push(["snippet.js (ours), raw / gzip -9", `${snippet.length} / ${ours} B`, "budget 2000 B gzip"]);
const peers = readFileSync(join(import.meta.dirname, "peers.md"), "utf8")
  .split("\n")
  .filter((line) => /^\| [A-Z]/.test(line) && !line.startsWith("| tracker"))
  .map((line) => line.split("|").map((cell) => cell.trim()));
for (const [, name, raw, gzip] of peers) {
  rows.push([`  ${name} (bench/peers.md)`, `${raw} / ${gzip} B`, `ours is ${(ours / Number(gzip)).toFixed(2)}× its gzip size`]);
}

// 2. Click path: GET /r/:code on Icodrip (embedded store) vs a bare Node server answering a 302.
const dataDir = mkdtempSync(join(tmpdir(), "icodrip-bench-"));
const config = loadConfig({ NODE_ENV: "test", PORT: "0", DATA_DIR: dataDir, ICODRIP_SECRET: "bench-secret-bench-secret-bench-secret-00", ICODRIP_CLICK_RATE_LIMIT: "1000000" });
const server = await startServer(config, { log: pino({ level: "silent" }) });
const call = async (path: string, body: unknown, key?: string) => {
  const res = await fetch(server.url + path, { method: "POST", headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) }, body: JSON.stringify(body) });
  return (await res.json()) as any;
};
const { apiKey } = await call("/api/v1/signup", { email: "bench@example.com", password: "bench password", workspace: "Bench" });
const program = await call("/api/v1/programs", { name: "Bench", url: "https://shop.example.com", commission: { type: "percent", percent: 30 } }, apiKey);
const affiliate = await call("/api/v1/affiliates", { programId: program.id, name: "Ann", email: "ann@example.com", code: "ann" }, apiKey);
const link = await call("/api/v1/links", { affiliateId: affiliate.id }, apiKey);

const bare = http.createServer((_req, res) => {
  res.writeHead(302, { location: "https://shop.example.com/?icd=icd_0123456789abcdefghijkl" }).end();
});
await new Promise<void>((resolve) => bare.listen(0, "127.0.0.1", resolve));
const barePort = (bare.address() as AddressInfo).port;

const TOTAL = Number(process.env.BENCH_REQUESTS ?? 3000);
const CONCURRENCY = 16;
// Each request a different visitor (user agent), so every one records a new click; the per-address
// rate limit is raised above the run's count, since every request comes from 127.0.0.1.
const visitor = (i: number) => ({ "user-agent": `bench-visitor-${i}` });
await measure(`http://127.0.0.1:${barePort}/`, 300, CONCURRENCY); // warm-up
const bareResult = await measure(`http://127.0.0.1:${barePort}/`, TOTAL, CONCURRENCY, visitor);
const clickResult = await measure(`${server.url}/r/${link.code}`, TOTAL, CONCURRENCY, visitor);
const fmt = (n: number) => `${Math.round(n).toLocaleString("en-US")} req/s`;
const statuses = (m: Map<number, number>) => [...m.entries()].map(([s, c]) => `${c}×${s}`).join(" ");
rows.push([`bare node:http 302 (${TOTAL} req, ${CONCURRENCY} in flight)`, fmt(bareResult.rps), statuses(bareResult.statuses)]);
rows.push([`GET /r/:code, embedded store (records a click)`, fmt(clickResult.rps), `${(clickResult.rps / bareResult.rps).toFixed(3)}× bare; ${statuses(clickResult.statuses)}`]);

await server.close();
bare.close();

const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length), ["measure", "value", "comparison"][i].length));
const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
console.log(line(["measure", "value", "comparison"]));
console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
for (const r of rows) console.log(line(r));
