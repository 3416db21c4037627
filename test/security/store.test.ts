import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { SqliteBackend } from "../../server/store/sqlite-backend.js";

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
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk));
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
