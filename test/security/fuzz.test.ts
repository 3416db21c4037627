import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import Database from "better-sqlite3";
import fc from "fast-check";
import { pino } from "pino";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../server/config/config.js";
import { startServer, type RunningServer } from "../../server/serve.js";
import { RedisBackend } from "../../server/store/redis-backend.js";
import { SqliteBackend } from "../../server/store/sqlite-backend.js";
import { Store } from "../../server/store/store.js";
import { REDIS_URL, services } from "../support/services.js";

// Arbitrary requests to every route the server has: whatever the method, path, query, headers,
// cookies and body, the answer is never a 5xx, never shows a stack trace, and a request that
// carries no valid credential and no valid Stripe signature changes nothing that it should not.
// Public writes that exist by design are left out of that last check: tracking (clicks, leads,
// and the report counters a click adds to), rate-limit counters, the bounded log of rejected webhook deliveries and a successful signup.
//
// `npm test` runs a bounded number of requests per store; `npm run fuzz` runs many more
// (FUZZ_RUNS, default 5,000).

const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const PUBLIC_BY_DESIGN = /(^|:)(rate|click|clicks|clickrepeat|clickemail|lead|leads|leadsofclick|delivery|deliveries|rejected|stats)(:|$)/;

interface Target {
  server: RunningServer;
  /** every key (and index entry) the fuzzer's requests must leave alone, with its version */
  snapshot(): Promise<Map<string, string>>;
  destroy(): Promise<void>;
}

async function embeddedTarget(): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), "icodrip-fuzz-"));
  const store = new Store(new SqliteBackend(dir));
  const server = await start(store, dir);
  const reader = new Database(join(dir, "icodrip.sqlite"), { readonly: true });
  return {
    server,
    async snapshot() {
      const now = Date.now();
      const map = new Map<string, string>();
      const docs = reader.prepare("SELECT key, version FROM docs WHERE expires_at IS NULL OR expires_at > ?").all(now) as { key: string; version: number }[];
      for (const d of docs) map.set(d.key, String(d.version));
      for (const i of reader.prepare("SELECT key, member, score FROM idx").all() as { key: string; member: string; score: number }[]) {
        map.set(`${i.key}#${i.member}`, String(i.score));
      }
      return protectedOnly(map);
    },
    async destroy() {
      reader.close();
      await server.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function redisTarget(): Promise<Target> {
  const prefix = `icodrip-fuzz:${randomBytes(6).toString("hex")}:`;
  const backend = await RedisBackend.connect(REDIS_URL, prefix);
  const store = new Store(backend);
  const dir = mkdtempSync(join(tmpdir(), "icodrip-fuzz-"));
  const server = await start(store, dir);
  const client = createClient({ url: REDIS_URL });
  await client.connect();
  return {
    server,
    async snapshot() {
      const map = new Map<string, string>();
      for await (const batch of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
        for (const full of batch) {
          const key = full.slice(prefix.length);
          const type = await client.type(full);
          if (type === "hash") map.set(key, String(await client.hGet(full, "v")));
          else if (type === "zset") {
            for (const { value, score } of await client.zRangeWithScores(full, 0, -1)) map.set(`${key}#${value}`, String(score));
          } else map.set(key, type);
        }
      }
      return protectedOnly(map);
    },
    async destroy() {
      await server.close();
      await backend.dropAll();
      await store.close();
      await client.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function protectedOnly(map: Map<string, string>): Map<string, string> {
  for (const key of [...map.keys()]) if (PUBLIC_BY_DESIGN.test(key.split("#")[0])) map.delete(key);
  return map;
}

async function start(store: Store, dir: string): Promise<RunningServer> {
  const config = loadConfig({
    NODE_ENV: "test",
    PORT: "0",
    ICODRIP_SECRET: "fuzz-secret-fuzz-secret-fuzz-secret-0123",
    DATA_DIR: dir,
    ICODRIP_CLICK_RATE_LIMIT: "100000",
  });
  const server = await startServer(config, { store, log: pino({ level: "silent" }) });
  server.ctx.config.publicUrl = server.url;
  return server;
}

interface Sent {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer | null;
}

interface Answer {
  status: number;
  text: string;
}

function send(base: string, r: Sent): Promise<Answer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, method: r.method, path: r.path, headers: { ...r.headers, ...(r.body ? { "content-length": String(r.body.length) } : {}) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(r.body ?? undefined);
  });
}

interface Seed {
  key: string;
  programId: string;
  programKey: string;
  affiliateId: string;
  affiliateCode: string;
  linkCode: string;
  linkId: string;
}

async function seed(base: string): Promise<Seed> {
  const call = async (method: string, path: string, body: unknown, key?: string) => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (key) headers.authorization = `Bearer ${key}`;
    const res = await fetch(base + path, { method, headers, body: JSON.stringify(body) });
    const json = (await res.json()) as Record<string, unknown>;
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const signed = await call("POST", "/api/v1/signup", { email: "owner@fuzz.example", password: "a long fuzz password", workspace: "Fuzz" });
  const key = String(signed.apiKey);
  const program = await call("POST", "/api/v1/programs", { name: "P", url: "https://shop.fuzz.example", commission: { type: "percent", percent: 20 } }, key);
  const affiliate = await call("POST", "/api/v1/affiliates", { programId: program.id, name: "A", email: "a@fuzz.example", code: "fuzzer" }, key);
  const link = await call("POST", "/api/v1/links", { affiliateId: affiliate.id }, key);
  return {
    key,
    programId: String(program.id),
    programKey: String(program.key),
    affiliateId: String(affiliate.id),
    affiliateCode: "fuzzer",
    linkCode: String(link.url).split("/r/")[1],
    linkId: String(link.id),
  };
}

/** The requests: real routes with real and arbitrary ids, arbitrary everything else. */
function requests(s: Seed) {
  const nasty = fc.constantFrom("%", "%E0%A4%A", "%ZZ", "%00", "..", "%2e%2e", "%2F", "é", "💥", "__proto__", "constructor", "a".repeat(300), "");
  const segment = fc.oneof(fc.string({ maxLength: 12 }).map(encodeURIComponent), nasty, fc.constantFrom(s.programId, s.affiliateId, s.linkId, "acct_123", "prg_x"));
  const template = fc.constantFrom(
    "/", "/healthz", "/snippet.js", "/login", "/signup", "/session", "/dashboard", "/dashboard/conversions", "/dashboard/programs", "/dashboard/affiliates",
    "/dashboard/clicks", "/dashboard/webhooks", "/dashboard/settings/integrations", "/dashboard/settings/account",
    "/integrations/stripe/connect", "/integrations/stripe/callback", "/webhooks/stripe", "/webhooks/stripe/:x",
    "/t/click", "/t/lead", `/r/${s.linkCode}`, "/r/:x", `/r/${s.linkCode}/:x`,
    "/api/v1/signup", "/api/v1/programs", "/api/v1/programs/:x", "/api/v1/affiliates", "/api/v1/affiliates/:x",
    "/api/v1/affiliates/:x/portal-link", "/api/v1/links", "/api/v1/links/:x", "/api/v1/clicks", "/api/v1/conversions",
    "/api/v1/conversions/:x", "/api/v1/conversions/:x/attribute", "/api/v1/conversions/export.csv", "/api/v1/webhook-deliveries",
    "/api/v1/integrations/stripe", "/api/v1/integrations/stripe/:x", "/api/v1/integrations/stripe/repair-webhooks",
    "/api/v1/leads", "/api/v1/api-keys", "/api/v1/api-keys/:x", "/api/v1/password", "/api/v1/payouts", "/api/v1/reports/summary",
    "/portal", "/portal/api/me", "/portal/api/login", "/portal/api/join", "/join/:x", "/:x", "/api/v1/:x",
  );
  const path = fc.tuple(template, segment).map(([t, seg]) => t.replace(":x", seg));
  const query = fc.dictionary(
    fc.oneof(fc.constantFrom("limit", "cursor", "from", "to", "programId", "affiliateId", "status", "code", "state", "error", "next", "__proto__", "a[]", "via", "icd"), fc.string({ maxLength: 6 })),
    fc.oneof(fc.string({ maxLength: 20 }), nasty, fc.constantFrom("-1", "0", "1e309", "101", "NaN", "2026-13-45", "//evil.example")),
    { maxKeys: 3 },
  ).map((q) => {
    const parts = Object.entries(q).map(([k, v]) => `${encodeURIComponent(k)}=${/%/.test(v) ? v : encodeURIComponent(v)}`);
    return parts.length ? `?${parts.join("&")}` : "";
  });
  const json = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
    fc.record({ program: fc.constantFrom(s.programKey, "pk_nope"), code: fc.constantFrom(s.affiliateCode, "x"), clickId: fc.string(), email: fc.string(), url: fc.string() }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
    fc.record({ name: fc.string(), url: fc.string(), cookieDays: fc.integer(), commission: fc.anything(), programId: fc.constantFrom(s.programId, "x"), affiliateId: fc.constantFrom(s.affiliateId, "x"), email: fc.string(), password: fc.string(), path: fc.string() }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
  );
  const body = fc.option(fc.oneof(json.map((t) => Buffer.from(t)), fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)), fc.string({ maxLength: 100 }).map((t) => Buffer.from(t))), { nil: null });
  const headers = fc.record(
    {
      "content-type": fc.constantFrom("application/json", "application/json; charset=latin2", "application/json; charset=utf-16", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "x/y", "", ";;;"),
      "content-encoding": fc.constantFrom("gzip", "deflate", "br", "identity", "bogus", "gzip, gzip"),
      cookie: fc.oneof(fc.string({ maxLength: 60 }), fc.constantFrom("icodrip_session=s%3Aabc.def", "icodrip_session=%E0%A4%A", "icodrip_portal=x", "icodrip_oauth=%")),
      authorization: fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom("Bearer ", "Bearer ik_nope", "Basic Zm9vOmJhcg==")),
      origin: fc.constantFrom("https://shop.fuzz.example", "https://evil.example", "null", "http://127.0.0.1"),
      "stripe-signature": fc.oneof(fc.string({ maxLength: 60 }), fc.constant("t=1,v1=00")),
      "x-forwarded-for": fc.constantFrom("1.2.3.4", "::1", "garbage"),
    },
    { requiredKeys: [] },
  );
  const method = fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "PROPFIND");
  // Raw bytes outside printable ASCII cannot travel in a request line; they go percent-encoded.
  const onTheWire = (p: string) => Array.from(Buffer.from(p, "utf8")).map((b) => (b > 0x20 && b < 0x7f ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, "0")}`)).join("");
  return fc.record({ method, path: fc.tuple(path, query).map(([p, q]) => onTheWire(p + q)), headers, body });
}

const STACK = /\n\s+at .+:\d+:\d+/;

const targets: { name: string; available: boolean; open: () => Promise<Target> }[] = [
  { name: "embedded", available: true, open: embeddedTarget },
  { name: "redis", available: services.redis, open: redisTarget },
];

for (const t of targets) {
  describe.runIf(t.available)(`fuzzing every route on the ${t.name} store`, () => {
    let target: Target;
    let s: Seed;
    beforeAll(async () => {
      target = await t.open();
      s = await seed(target.server.url);
    });
    afterAll(async () => {
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when the setup failed
      await target?.destroy();
    });

    it(`answers ${RUNS} arbitrary unauthenticated requests without a 5xx, a stack trace or a stored change`, async () => {
      let before = await target.snapshot();
      await fc.assert(
        fc.asyncProperty(requests(s), async (r) => {
          const answer = await send(target.server.url, r);
          expect(answer.status, `${r.method} ${r.path} answered ${answer.status}: ${answer.text.slice(0, 300)}`).toBeLessThan(500);
          expect(STACK.test(answer.text), `${r.method} ${r.path} showed a stack trace`).toBe(false);
          const after = await target.snapshot();
          if (answer.status === 201 && r.path.startsWith("/api/v1/signup")) {
            before = after; // open signup creates a workspace by design
            return;
          }
          expect(diff(before, after), `${r.method} ${r.path} (${answer.status}) changed the store`).toEqual([]);
        }),
        { numRuns: RUNS, seed: process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined },
      );
    }, 600_000);

    it(`answers ${RUNS} arbitrary requests made with a valid API key without a 5xx or a stack trace`, async () => {
      await fc.assert(
        fc.asyncProperty(requests(s), async (r) => {
          const answer = await send(target.server.url, { ...r, headers: { ...r.headers, authorization: `Bearer ${s.key}` } });
          expect(answer.status, `${r.method} ${r.path} answered ${answer.status}: ${answer.text.slice(0, 300)}`).toBeLessThan(500);
          expect(STACK.test(answer.text), `${r.method} ${r.path} showed a stack trace`).toBe(false);
        }),
        { numRuns: RUNS, seed: process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined },
      );
    }, 600_000);
  });
}

function diff(a: Map<string, string>, b: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [k, v] of b) if (a.get(k) !== v) out.push(`${k}: ${a.get(k) ?? "(none)"} → ${v}`);
  for (const k of a.keys()) if (!b.has(k)) out.push(`${k}: removed`);
  return out;
}
