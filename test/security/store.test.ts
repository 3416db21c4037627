import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, statSync } from "node:fs";
import { createConnection, createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { RedisBackend, RedisTimeoutError } from "../../server/store/redis-backend.js";
import { SqliteBackend } from "../../server/store/sqlite-backend.js";
import { REDIS_URL, services } from "../support/services.js";
import { signup, startTestServer, type TestServer } from "../support/server.js";
import { storeKinds } from "../support/stores.js";

// Issue 7: what another local user or a careless operator could do to the store.

describe("the embedded store's files", () => {
  it("are created readable by their owner only (0600), like the secret", async () => {
    const dir = mkdtempSync(join(tmpdir(), "icodrip-mode-"));
    const backend = new SqliteBackend(dir);
    try {
      // A write makes the -wal and -shm files appear.
      await backend.commit({ checks: [], puts: [{ key: "k", value: "{}" }], deletes: [], indexAdds: [], indexRemoves: [] });
      for (const name of ["icodrip.sqlite", "icodrip.sqlite-wal", "icodrip.sqlite-shm"]) {
        expect({ name, mode: (statSync(join(dir, name)).mode & 0o777).toString(8) }).toEqual({ name, mode: "600" });
      }
    } finally {
      await backend.close();
    }
  });
});

describe("starting against a Redis that does not answer", () => {
  it("says at once where it connects (without the password), then stops with one line saying what to check", async () => {
    // A port that was free a moment ago: nothing listens on it.
    const probe = createServer().listen(0, "127.0.0.1");
    await once(probe, "listening");
    const port = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));
    const password = "hunter2-very-secret";
    const cli = join(import.meta.dirname, "..", "..", "dist", "server", "cli.js");
    const child = spawn(process.execPath, [cli, "serve"], {
      env: {
        PATH: process.env.PATH,
        PORT: "0",
        DATA_DIR: mkdtempSync(join(tmpdir(), "icodrip-redis-down-")),
        REDIS_URL: `redis://admin:${password}@127.0.0.1:${port}/0`,
        LOG_LEVEL: "silent",
      },
    });
    // A server that keeps waiting must not outlive a failed test.
    onTestFinished(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    // The first line comes before any wait for Redis.
    const [first] = (await once(child.stdout, "data")) as [Buffer];
    expect(first.toString()).toBe(`icodrip: connecting to Redis at redis://admin:***@127.0.0.1:${port}/0 …\n`);
    const [code] = (await once(child, "exit")) as [number];
    expect(code).toBe(1);
    expect(stdout.trim().split("\n")).toHaveLength(1);
    expect(stderr.trim().split("\n")).toEqual([
      expect.stringMatching(
        new RegExp(`^icodrip: could not start: Redis at redis://admin:\\*\\*\\*@127\\.0\\.0\\.1:${port}/0 could not be reached within 10 s \\(ECONNREFUSED\\)\\. Check REDIS_URL`),
      ),
    ]);
    expect(stdout + stderr).not.toContain(password);
  }, 40_000);
});

for (const kind of storeKinds) {
  describe.runIf(kind.available)(`deleting a parent while a child is added (${kind.name})`, () => {
    it("never leaves an affiliate without its program, nor a link without its affiliate, however the requests interleave", async () => {
      const server: TestServer = await startTestServer(kind);
      try {
        const key = await signup(server);
        const programBody = { name: "P", url: "https://shop.example.com", commission: { type: "percent", percent: 20 } };
        for (let round = 0; round < 15; round++) {
          const program = await server.api("POST", "/api/v1/programs", { key, body: programBody });
          expect(program.status).toBe(201);
          // A double click: the merchant adds an affiliate while deleting its program.
          const [created, deleted] = await Promise.all([
            server.api("POST", "/api/v1/affiliates", { key, body: { programId: program.body.id, name: `Ann ${round}`, email: "ann@example.com" } }),
            server.api("DELETE", `/api/v1/programs/${program.body.id}`, { key }),
          ]);
          expect([201, 404, 409]).toContain(created.status);
          expect([204, 409]).toContain(deleted.status);
          const programLeft = (await server.api("GET", `/api/v1/programs/${program.body.id}`, { key })).status === 200;
          if (created.status === 201) {
            expect(programLeft).toBe(true);
            const affiliateId = created.body.id as string;
            const [link, gone] = await Promise.all([
              server.api("POST", "/api/v1/links", { key, body: { affiliateId } }),
              server.api("DELETE", `/api/v1/affiliates/${affiliateId}`, { key }),
            ]);
            expect([201, 404, 409]).toContain(link.status);
            expect([204, 409]).toContain(gone.status);
            const affiliateLeft = (await server.api("GET", `/api/v1/affiliates/${affiliateId}`, { key })).status === 200;
            if (link.status === 201) {
              expect(affiliateLeft).toBe(true);
              expect((await server.api("GET", `/r/${link.body.code}`)).status).toBe(302);
            }
          } else {
            expect(programLeft).toBe(false);
          }
        }
      } finally {
        await server.stop();
      }
    }, 60_000);
  });
}

describe.runIf(services.redis)("a Redis that stops answering once connected", () => {
  it("fails each waiting command after the command timeout, instead of holding it, and answers again once Redis does", async () => {
    // A proxy in front of the real Redis that can hold what the client sends: Redis hung, or a
    // network that drops packets without closing the connection.
    const { hostname, port } = new URL(REDIS_URL);
    let holding = false;
    const held: [Socket, Buffer][] = [];
    const pairs: Socket[] = [];
    const proxy = createServer((client) => {
      const redis = createConnection({ host: hostname, port: Number(port || 6379) });
      pairs.push(client, redis);
      client.on("data", (chunk: Buffer) => (holding ? held.push([redis, chunk]) : redis.write(chunk)));
      redis.pipe(client);
      client.on("error", () => redis.destroy());
      redis.on("error", () => client.destroy());
    }).listen(0, "127.0.0.1");
    await once(proxy, "listening");
    onTestFinished(() => {
      for (const socket of pairs) socket.destroy();
      proxy.close();
    });
    const prefix = `icodrip-test-hung-${process.pid}-${Date.now()}:`;
    const backend = await RedisBackend.connect(`redis://127.0.0.1:${(proxy.address() as { port: number }).port}`, prefix, { commandTimeoutMs: 300 });
    onTestFinished(async () => {
      await backend.dropAll();
      await backend.close();
    });
    const put = (key: string) => backend.commit({ checks: [], puts: [{ key, value: "{}" }], deletes: [], indexAdds: [], indexRemoves: [] });
    expect(await put("before")).toBe(true);

    holding = true;
    const started = Date.now();
    const [write, read] = await Promise.allSettled([put("during"), backend.get("before")]);
    const waited = Date.now() - started;
    for (const failed of [write, read]) {
      expect(failed.status).toBe("rejected");
      const reason = (failed as PromiseRejectedResult).reason as Error;
      expect(reason).toBeInstanceOf(RedisTimeoutError);
      expect(reason.message).toMatch(/^Redis did not answer within 0\.3 s; check that it is running and reachable/);
    }
    // Failed at its deadline, give or take the watch's half-deadline tick; not held for long.
    expect(waited).toBeGreaterThanOrEqual(290);
    expect(waited).toBeLessThan(3_000);

    // Redis answers again: the held commands go through (their answers are dropped), new ones succeed.
    holding = false;
    for (const [redis, chunk] of held.splice(0)) redis.write(chunk);
    expect(await put("after")).toBe(true);
    expect(await backend.get("after")).toMatchObject({ value: "{}" });
  });
});
