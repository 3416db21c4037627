import { request as httpRequest } from "node:http";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { gzipSync } from "node:zlib";
import { pino } from "pino";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../server/config/config.js";
import { SealError, seal, unseal } from "../../server/crypto/seal.js";
import { answerFor } from "../../server/http/errors.js";
import { originBelongsTo } from "../../server/tracking/snippet-click.js";
import { startServer, type RunningServer } from "../../server/serve.js";
import { Store } from "../../server/store/store.js";
import { storeKinds, type StoreHandle, type StoreKind } from "../support/stores.js";

// The HTTP edge replayed as an attacker or a careless client would: partial updates that must not
// reset settings, malformed URLs and bodies that must not crash into a 500 with a stack trace, a
// store that keeps losing its compare-and-commit, forged AES-GCM tags and cross-origin preflights.

/** Lets a test make every commit lose, as a store under heavy contention would. */
interface Contention {
  losing: boolean;
}

function contendedKind(kind: StoreKind, contention: Contention): StoreKind {
  return {
    ...kind,
    async open(): Promise<StoreHandle> {
      const handle = await kind.open();
      const inner = handle.store.backend;
      const backend = new Proxy(inner, {
        get(target, name) {
          if (name === "commit" && contention.losing) return async () => false;
          const value = Reflect.get(target, name, target) as unknown;
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
      return { store: new Store(backend), destroy: () => handle.destroy(), reopen: () => handle.reopen() };
    },
  };
}

interface EdgeServer {
  server: RunningServer;
  /** every log line the server wrote, parsed */
  lines: Array<Record<string, unknown>>;
  raw: string[];
  call(method: string, path: string, options?: { key?: string; body?: string | Buffer; headers?: Record<string, string> }): Promise<{ status: number; text: string; body: any; headers: Record<string, unknown> }>;
  stop(): Promise<void>;
}

async function startEdgeServer(kind: StoreKind): Promise<EdgeServer> {
  const handle = await kind.open();
  const raw: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      raw.push(chunk.toString("utf8"));
      done();
    },
  });
  const config = loadConfig({
    NODE_ENV: "test",
    PORT: "0",
    ICODRIP_SECRET: "test-secret-test-secret-test-secret-0123",
    DATA_DIR: mkdtempSync(join(tmpdir(), "icodrip-edge-")),
  });
  const server = await startServer(config, { store: handle.store, log: pino({ level: "debug" }, sink) });
  server.ctx.config.publicUrl = server.url;
  // node:http rather than fetch, so the path and the headers go out exactly as written.
  const call: EdgeServer["call"] = (method, path, options = {}) =>
    new Promise((resolve, reject) => {
      const headers: Record<string, string> = { ...options.headers };
      if (options.key) headers.authorization = `Bearer ${options.key}`;
      // Node sends a GET's body without framing unless told its length.
      if (options.body !== undefined) headers["content-length"] = String(Buffer.byteLength(options.body));
      const req = httpRequest({ host: "127.0.0.1", port: server.port, method, path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let body: unknown = text;
          try {
            body = text ? JSON.parse(text) : null;
          } catch {
            // not JSON
          }
          resolve({ status: res.statusCode ?? 0, text, body, headers: res.headers });
        });
      });
      req.on("error", reject);
      req.end(options.body);
    });
  return {
    server,
    raw,
    get lines() {
      return raw.map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    call,
    async stop() {
      await server.close();
      await handle.destroy();
    },
  };
}

async function signupOn(edge: EdgeServer): Promise<string> {
  const email = `${Math.random().toString(36).slice(2)}@example.com`;
  const res = await edge.call("POST", "/api/v1/signup", {
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: "correct horse battery", workspace: "Edge" }),
  });
  if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${res.text}`);
  return res.body.apiKey as string;
}

const json = (value: unknown) => ({ headers: { "content-type": "application/json" }, body: JSON.stringify(value) });

function expectErrorShape(res: { text: string; body: any }): void {
  expect(typeof res.body?.error?.code).toBe("string");
  expect(typeof res.body?.error?.message).toBe("string");
  expect(res.text).not.toMatch(/\n\s+at |URIError|ZlibError|node_modules/);
}

for (const kind of storeKinds) {
  describe.runIf(kind.available)(`the HTTP edge under attack on the ${kind.name} store`, () => {
    let edge: EdgeServer;
    let key: string;
    let program: any;
    let affiliate: any;
    let link: any;

    beforeAll(async () => {
      edge = await startEdgeServer(kind);
      key = await signupOn(edge);
      program = (await edge.call("POST", "/api/v1/programs", { key, ...json({ name: "Shop", url: "https://shop.example.com", commission: { type: "percent", percent: 20 } }) })).body;
      affiliate = (await edge.call("POST", "/api/v1/affiliates", { key, ...json({ programId: program.id, name: "Ann", email: "ann@example.com", code: "ann" }) })).body;
      link = (await edge.call("POST", "/api/v1/links", { key, ...json({ affiliateId: affiliate.id, path: "/pricing" }) })).body;
    });
    afterAll(async () => {
      await edge.stop();
    });

    describe("PATCH changes only the fields it is sent", () => {
      it("keeps a program's unmentioned settings (name only: cookieDays, holdDays, attribution, recurring stay)", async () => {
        const created = await edge.call("POST", "/api/v1/programs", {
          key,
          ...json({
            name: "Tuned",
            url: "https://tuned.example.com",
            cookieDays: 10,
            holdDays: 5,
            attribution: "first",
            recurring: { type: "lifetime" },
            allowSelfReferral: true,
            commission: { type: "fixed", amount: 700, currency: "eur" },
          }),
        });
        expect(created.status).toBe(201);
        const renamed = await edge.call("PATCH", `/api/v1/programs/${created.body.id}`, { key, ...json({ name: "renamed" }) });
        expect(renamed.status).toBe(200);
        const kept = {
          name: "renamed",
          url: "https://tuned.example.com",
          cookieDays: 10,
          holdDays: 5,
          attribution: "first",
          recurring: { type: "lifetime" },
          allowSelfReferral: true,
          commission: { type: "fixed", amount: 700, currency: "eur" },
          key: created.body.key,
        };
        expect(renamed.body).toMatchObject(kept);
        expect((await edge.call("GET", `/api/v1/programs/${created.body.id}`, { key })).body).toMatchObject(kept);
      });

      it("keeps an affiliate's unmentioned fields (status disabled and code stay when only the name changes)", async () => {
        const created = await edge.call("POST", "/api/v1/affiliates", { key, ...json({ programId: program.id, name: "Bo", email: "bo@example.com", code: "bo-code" }) });
        expect((await edge.call("PATCH", `/api/v1/affiliates/${created.body.id}`, { key, ...json({ status: "disabled" }) })).body.status).toBe("disabled");
        const renamed = await edge.call("PATCH", `/api/v1/affiliates/${created.body.id}`, { key, ...json({ name: "Bo Renamed" }) });
        const kept = { name: "Bo Renamed", email: "bo@example.com", code: "bo-code", status: "disabled", programId: program.id };
        expect(renamed.body).toMatchObject(kept);
        expect((await edge.call("GET", `/api/v1/affiliates/${created.body.id}`, { key })).body).toMatchObject(kept);
      });

      it("keeps a link's path when the PATCH does not mention it, and clears it only on an explicit null", async () => {
        const created = await edge.call("POST", "/api/v1/links", { key, ...json({ affiliateId: affiliate.id, path: "/deep/page" }) });
        const untouched = await edge.call("PATCH", `/api/v1/links/${created.body.id}`, { key, ...json({}) });
        expect(untouched.status).toBe(200);
        expect(untouched.body).toMatchObject({ path: "/deep/page", code: created.body.code });
        expect((await edge.call("GET", `/api/v1/links/${created.body.id}`, { key })).body.path).toBe("/deep/page");
        const cleared = await edge.call("PATCH", `/api/v1/links/${created.body.id}`, { key, ...json({ path: null }) });
        expect(cleared.body.path).toBeNull();
      });
    });

    describe("malformed requests answer 4xx in the error shape, never a 500 or a stack", () => {
      const bad = "%E0%A4%A";

      it("refuses bad percent-encoding in /r/:code and in every /:id route with 400", async () => {
        const before = edge.raw.length;
        const attempts: Array<[string, string, boolean]> = [
          ["GET", `/r/${bad}`, false],
          ["GET", `/r/${link.code}/${bad}`, false],
          ["GET", `/api/v1/programs/${bad}`, true],
          ["PATCH", `/api/v1/programs/${bad}`, true],
          ["DELETE", `/api/v1/programs/${bad}`, true],
          ["GET", `/api/v1/affiliates/${bad}`, true],
          ["PATCH", `/api/v1/affiliates/${bad}`, true],
          ["DELETE", `/api/v1/affiliates/${bad}`, true],
          ["GET", `/api/v1/links/${bad}`, true],
          ["PATCH", `/api/v1/links/${bad}`, true],
          ["DELETE", `/api/v1/links/${bad}`, true],
          ["GET", `/api/v1/conversions/${bad}`, true],
          ["POST", `/api/v1/conversions/${bad}/attribute`, true],
          ["DELETE", `/api/v1/integrations/stripe/${bad}`, true],
          ["POST", `/webhooks/stripe/${bad}`, false],
        ];
        for (const [method, path, auth] of attempts) {
          const res = await edge.call(method, path, { key: auth ? key : undefined, ...json({}) });
          expect(res.status, `${method} ${path}`).toBe(400);
          expect(res.body.error.code, `${method} ${path}`).toBe("invalid_path");
          expectErrorShape(res);
        }
        expect(edge.raw.slice(before).join("")).not.toMatch(/"stack"|"level":50/);
      });

      it("refuses an unsupported charset with 415 on the API, the tracking and the session endpoints", async () => {
        const before = edge.raw.length;
        // JSON bodies must be UTF-8; the tracking endpoints read text, which knows latin2 but not a made-up charset.
        for (const [path, auth, charset] of [
          ["/api/v1/programs", true, "latin2"],
          ["/api/v1/signup", false, "latin2"],
          ["/session", false, "latin2"],
          ["/t/click", false, "x-klingon"],
          ["/t/lead", false, "x-klingon"],
        ] as const) {
          const headers = { "content-type": `application/json; charset=${charset}` };
          const res = await edge.call("POST", path, { key: auth ? key : undefined, headers, body: '{"name":"x"}' });
          expect(res.status, path).toBe(415);
          expect(res.body.error.code, path).toBe("unsupported_charset");
          expectErrorShape(res);
        }
        expect(edge.raw.slice(before).join("")).not.toMatch(/"stack"|"level":50/);
      });

      it("refuses an unknown Content-Encoding with 415 and a body falsely labelled gzip with 400", async () => {
        const before = edge.raw.length;
        for (const path of ["/api/v1/programs", "/t/click", "/webhooks/stripe", "/api/v1/signup"]) {
          const unknown = await edge.call("POST", path, { key, headers: { "content-type": "application/json", "content-encoding": "x-snappy" }, body: "{}" });
          expect(unknown.status, path).toBe(415);
          expect(unknown.body.error.code, path).toBe("unsupported_encoding");
          expectErrorShape(unknown);
          const fake = await edge.call("POST", path, { key, headers: { "content-type": "application/json", "content-encoding": "gzip" }, body: '{"name":"not gzip"}' });
          expect(fake.status, path).toBe(400);
          expect(fake.body.error.code, path).toBe("invalid_encoding");
          expectErrorShape(fake);
        }
        // A genuinely gzipped body still works.
        const real = await edge.call("POST", "/api/v1/programs", {
          key,
          headers: { "content-type": "application/json", "content-encoding": "gzip" },
          body: gzipSync(JSON.stringify({ name: "Zipped", url: "https://zip.example.com", commission: { type: "percent", percent: 5 } })),
        });
        expect(real.status).toBe(201);
        expect(edge.raw.slice(before).join("")).not.toMatch(/"stack"|"level":50/);
      });

      it("keeps the 4xx of a bad list cursor", async () => {
        const res = await edge.call("GET", "/api/v1/affiliates?cursor=not-a-cursor", { key });
        expect(res.status).toBe(400);
        expect(res.body.error.fields).toHaveProperty("cursor");
        expectErrorShape(res);
      });
    });

    describe("CORS preflights grant only the program's own origin", () => {
      const preflight = (path: string, origin: string) =>
        edge.call("OPTIONS", path, { headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type" } });

      it("grants nothing to a preflight that does not name the program, whatever the origin", async () => {
        for (const path of ["/t/click", "/t/lead"]) {
          for (const origin of ["https://evil.example", "https://shop.example.com"]) {
            const res = await preflight(path, origin);
            expect(res.status).toBe(204);
            expect(res.headers["access-control-allow-origin"], `${path} ${origin}`).toBeUndefined();
          }
        }
      });

      it("grants a preflight naming the program (?program=KEY) only to that program's origin", async () => {
        for (const path of ["/t/click", "/t/lead"]) {
          const own = await preflight(`${path}?program=${program.key}`, "https://shop.example.com");
          expect(own.headers["access-control-allow-origin"]).toBe("https://shop.example.com");
          for (const origin of ["https://evil.example", "http://shop.example.com", "https://shop.example.com:8443", "null"]) {
            const res = await preflight(`${path}?program=${program.key}`, origin);
            expect(res.headers["access-control-allow-origin"], `${path} ${origin}`).toBeUndefined();
          }
          expect((await preflight(`${path}?program=pk_nope`, "https://shop.example.com")).headers["access-control-allow-origin"]).toBeUndefined();
        }
      });

      it("refuses a click posted from the program's host on another port or scheme", async () => {
        const body = JSON.stringify({ program: program.key, code: "ann" });
        for (const origin of ["https://shop.example.com:8443", "http://shop.example.com"]) {
          const res = await edge.call("POST", "/t/click", { headers: { "content-type": "text/plain", origin }, body });
          expect(res.status, origin).toBe(403);
          expect(res.headers["access-control-allow-origin"]).toBeUndefined();
        }
        const same = await edge.call("POST", "/t/click", { headers: { "content-type": "text/plain", origin: "https://shop.example.com:443" }, body });
        expect(same.status).toBe(200);
      });
    });
  });

  describe.runIf(kind.available)(`a store version conflict on the ${kind.name} store`, () => {
    const contention: Contention = { losing: false };
    let edge: EdgeServer;
    let key: string;
    let program: any;

    beforeAll(async () => {
      edge = await startEdgeServer(contendedKind(kind, contention));
      key = await signupOn(edge);
      program = (await edge.call("POST", "/api/v1/programs", { key, ...json({ name: "Busy", url: "https://busy.example.com", commission: { type: "percent", percent: 10 } }) })).body;
    });
    afterAll(async () => {
      contention.losing = false;
      await edge.stop();
    });

    it("answers 409 conflict with a retry message when every commit loses, never a 500", async () => {
      contention.losing = true;
      try {
        const before = edge.raw.length;
        const patch = await edge.call("PATCH", `/api/v1/programs/${program.id}`, { key, ...json({ name: "renamed" }) });
        expect(patch.status).toBe(409);
        expect(patch.body.error.code).toBe("conflict");
        expect(patch.body.error.message).toMatch(/retry/i);
        expectErrorShape(patch);
        const create = await edge.call("POST", "/api/v1/affiliates", { key, ...json({ programId: program.id, name: "Cy", email: "cy@example.com" }) });
        expect(create.status).toBe(409);
        const logged = edge.raw.slice(before).join("");
        expect(logged).not.toMatch(/"stack"|"level":50/);
      } finally {
        contention.losing = false;
      }
      expect((await edge.call("GET", `/api/v1/programs/${program.id}`, { key })).body.name).toBe("Busy");
    });
  });
}

describe("the error mapping", () => {
  const req = { get: () => undefined, method: "GET", path: "/x" } as never;

  it("maps Stripe's API and connection errors to 502 with a sentence saying what to do", () => {
    const unreachable = answerFor(new Stripe.errors.StripeConnectionError({ message: "connect ECONNREFUSED" }), req);
    expect(unreachable.error.status).toBe(502);
    expect(unreachable.error.code).toBe("stripe_unavailable");
    expect(unreachable.error.message).toMatch(/could not reach Stripe.*try again/);
    const api = answerFor(new Stripe.errors.StripeAPIError({ message: "boom", statusCode: 500 }), req);
    expect(api.error.status).toBe(502);
    expect(api.error.message).toMatch(/Stripe did not complete the request.*try again/);
    const auth = answerFor(new Stripe.errors.StripeAuthenticationError({ message: "Invalid API Key provided: rk_test_****abcd", statusCode: 401 }), req);
    expect(auth.error.status).toBe(502);
    expect(auth.error.message).toMatch(/reconnect Stripe/);
    expect(auth.error.message).not.toContain("rk_test");
  });

  it("keeps any 4xx status an unknown error carries and hides anything else behind a 500", () => {
    const teapot = answerFor(Object.assign(new Error("short and stout"), { statusCode: 418 }), req);
    expect(teapot.error.status).toBe(418);
    expect(teapot.log).toBe("none");
    const bug = answerFor(new TypeError("x is undefined"), req);
    expect(bug.error).toMatchObject({ status: 500, code: "internal_error" });
    expect(bug.error.message).not.toContain("undefined");
    expect(answerFor(Object.assign(new Error("upstream"), { status: 503 }), req).error.status).toBe(500);
  });
});

describe("AES-GCM sealing", () => {
  const secret = "test-secret-test-secret-test-secret-0123";

  it("refuses a sealed value whose tag was truncated, however short", () => {
    const sealed = seal(secret, "webhook-secret", "whsec_abc");
    const [version, iv, tag, body] = sealed.split(".");
    const fullTag = Buffer.from(tag, "base64url");
    expect(fullTag).toHaveLength(16);
    for (const bytes of [4, 8, 12, 15]) {
      const truncated = [version, iv, fullTag.subarray(0, bytes).toString("base64url"), body].join(".");
      expect(() => unseal(secret, "webhook-secret", truncated), `${bytes}-byte tag`).toThrow(SealError);
    }
    expect(unseal(secret, "webhook-secret", sealed)).toBe("whsec_abc");
  });
});

describe("originBelongsTo", () => {
  it("compares scheme, host and port; allows subdomains on the same scheme and port; normalises default ports", () => {
    const site = "https://shop.example.com";
    expect(originBelongsTo("https://shop.example.com", site)).toBe(true);
    expect(originBelongsTo("https://shop.example.com:443", site)).toBe(true);
    expect(originBelongsTo("https://eu.shop.example.com", site)).toBe(true);
    expect(originBelongsTo("https://shop.example.com:8443", site)).toBe(false);
    expect(originBelongsTo("https://eu.shop.example.com:8443", site)).toBe(false);
    expect(originBelongsTo("http://shop.example.com", site)).toBe(false);
    expect(originBelongsTo("https://evilshop.example.com", site)).toBe(false);
    expect(originBelongsTo("https://shop.example.com.evil.example", site)).toBe(false);
    expect(originBelongsTo("null", site)).toBe(false);
    expect(originBelongsTo("https://shop.example.com", "https://www.shop.example.com")).toBe(true);
    expect(originBelongsTo("http://localhost:3000", "http://localhost:3000")).toBe(true);
    expect(originBelongsTo("http://localhost:3001", "http://localhost:3000")).toBe(false);
    expect(originBelongsTo("http://localhost", "http://localhost:80")).toBe(true);
  });
});
