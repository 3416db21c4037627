import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { loadConfig, type Config } from "../../server/config/config.js";
import { startServer, type RunningServer } from "../../server/serve.js";
import type { StoreHandle, StoreKind } from "./stores.js";

export interface TestServer extends RunningServer {
  handle: StoreHandle;
  /** JSON request helper: answers status and parsed body. */
  api(method: string, path: string, options?: { key?: string; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Headers }>;
  stop(): Promise<void>;
}

/** A real server on a random port over the given store kind, with its own data. */
export async function startTestServer(kind: StoreKind, env: Record<string, string> = {}): Promise<TestServer> {
  const handle = await kind.open();
  const config: Config = {
    ...loadConfig({
      NODE_ENV: "test",
      PORT: "0",
      ICODRIP_SECRET: "test-secret-test-secret-test-secret-0123",
      DATA_DIR: mkdtempSync(join(tmpdir(), "icodrip-srv-")),
      // Suites sign up and sign in many times from 127.0.0.1; test/security sets the real limits.
      ICODRIP_LOGIN_RATE_LIMIT: "1000",
      ICODRIP_SIGNUP_RATE_LIMIT: "1000",
      ...env,
    }),
  };
  const server = await startServer(config, { store: handle.store, log: pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" }) });
  if (!env.PUBLIC_URL) server.ctx.config.publicUrl = server.url;
  return {
    ...server,
    handle,
    async api(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      if (options.key) headers.authorization = `Bearer ${options.key}`;
      let body: string | undefined;
      if (options.body !== undefined) {
        headers["content-type"] ??= "application/json";
        body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
      }
      const res = await fetch(server.url + path, { method, headers, body, redirect: "manual" });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        // not JSON; keep the text
      }
      return { status: res.status, body: parsed, headers: res.headers };
    },
    async stop() {
      await server.close();
      await handle.destroy();
    },
  };
}

/** Signs up a fresh workspace and answers its API key. */
export async function signup(server: TestServer, workspace = "Acme"): Promise<string> {
  const email = `${Math.random().toString(36).slice(2)}@example.com`;
  const res = await server.api("POST", "/api/v1/signup", { body: { email, password: "correct horse battery", workspace } });
  if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.apiKey as string;
}

/**
 * Replaces the server's logger with one that keeps every line, parsed, in the returned array, so
 * a test can read what the server logged (and check what it must never log).
 */
export function captureLog(server: TestServer, level = "info"): Record<string, any>[] {
  const lines: Record<string, any>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line) as Record<string, any>);
      done();
    },
  });
  server.ctx.log = pino({ level }, sink);
  return lines;
}
