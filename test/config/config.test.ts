import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../server/config/config.js";

const run = promisify(execFile);
const dataDir = () => mkdtempSync(join(tmpdir(), "icodrip-config-"));

describe("configuration", () => {
  it("defaults to the embedded store on port 8787 with signup open outside production", () => {
    const config = loadConfig({ DATA_DIR: dataDir() });
    expect(config).toMatchObject({ port: 8787, publicUrl: "http://localhost:8787", signupOpen: true, store: { kind: "embedded" } });
    expect(config.stripe).toMatchObject({ apiUrl: "https://api.stripe.com", connectUrl: "https://connect.stripe.com", secretKey: null });
  });

  it("chooses Redis when REDIS_URL is set", () => {
    expect(loadConfig({ DATA_DIR: dataDir(), REDIS_URL: "redis://127.0.0.1:6379/2" }).store).toEqual({ kind: "redis", url: "redis://127.0.0.1:6379/2", prefix: "icodrip:" });
  });

  it("makes a development secret once and keeps it in DATA_DIR", () => {
    const dir = dataDir();
    const first = loadConfig({ DATA_DIR: dir }).secret;
    expect(first).toHaveLength(64);
    expect(loadConfig({ DATA_DIR: dir }).secret).toBe(first);
    expect(readFileSync(join(dir, "secret"), "utf8").trim()).toBe(first);
  });

  it.each([
    [{ PORT: "eighty" }, /^PORT is "eighty": it should be a port number/],
    [{ PORT: "70000" }, /^PORT is "70000"/],
    [{ PUBLIC_URL: "track.example.com" }, /^PUBLIC_URL is "track.example.com": it should be an http\(s\) URL/],
    [{ REDIS_URL: "localhost:6379" }, /^REDIS_URL .*redis:\/\//],
    [{ NODE_ENV: "production" }, /^ICODRIP_SECRET is missing: it is required when NODE_ENV=production/],
    [{ NODE_ENV: "production", ICODRIP_SECRET: "short" }, /^ICODRIP_SECRET is "sho…": it should be at least 32 characters/],
    [{ STRIPE_SECRET_KEY: "pk_test_123" }, /^STRIPE_SECRET_KEY is "pk_…": it should be a Stripe secret key/],
    [{ STRIPE_CLIENT_ID: "ca_123" }, /^STRIPE_SECRET_KEY is missing/],
    [{ ICODRIP_SIGNUP: "maybe" }, /^ICODRIP_SIGNUP is "maybe": it should be open or closed/],
  ])("stops on %o with one line naming the variable", (env, message) => {
    expect(() => loadConfig({ DATA_DIR: dataDir(), ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ DATA_DIR: dataDir(), ...env })).toThrow(message);
  });

  it("never echoes a secret value in full", () => {
    try {
      loadConfig({ DATA_DIR: dataDir(), STRIPE_SECRET_KEY: "sk_live_not-valid-because-of-dashes" });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).not.toContain("not-valid");
    }
  });

  it("makes `icodrip serve` exit with one line naming a bad variable", async () => {
    const cli = join(import.meta.dirname, "..", "..", "dist", "server", "cli.js");
    // It must fail: a success would have no code, and the expectations below say so.
    const failure = (await run(process.execPath, [cli, "serve"], { env: { PATH: process.env.PATH, PORT: "x", DATA_DIR: dataDir() } }).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(failure.code).toBe(1);
    expect(failure.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^icodrip: PORT is "x": it should be a port number/)]);
  });

  it("starts `icodrip serve` on the embedded store and answers /healthz", async () => {
    const probe = createServer().listen(0, "127.0.0.1");
    await once(probe, "listening");
    const port = (probe.address() as { port: number }).port;
    probe.close();
    const cli = join(import.meta.dirname, "..", "..", "dist", "server", "cli.js");
    const child = spawn(process.execPath, [cli, "serve"], { env: { PATH: process.env.PATH, PORT: String(port), DATA_DIR: dataDir(), LOG_LEVEL: "silent" } });
    try {
      const [line] = (await once(child.stdout, "data")) as [Buffer];
      expect(line.toString()).toContain(`http://localhost:${port}`);
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(await health.json()).toEqual({ ok: true, store: "embedded" });
    } finally {
      child.kill("SIGTERM");
      await once(child, "exit");
    }
  });

  it("answers `icodrip --version` with the package's version and `icodrip --help` with its commands", async () => {
    const cli = join(import.meta.dirname, "..", "..", "dist", "server", "cli.js");
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, "..", "..", "package.json"), "utf8")) as { version: string };
    const version = await run(process.execPath, [cli, "--version"]);
    expect(version.stdout.trim()).toBe(pkg.version);
    const help = await run(process.execPath, [cli, "--help"]);
    expect(help.stdout).toContain("icodrip serve");
    expect(help.stdout).toContain("REDIS_URL");
    const unknown = await run(process.execPath, [cli, "launch"]).catch((e: unknown) => e as { code: number; stderr: string });
    expect(unknown).toMatchObject({ code: 2, stderr: expect.stringContaining('Unknown command "launch"') });
  });
});
