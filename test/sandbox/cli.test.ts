import { spawn } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStripeSandbox, type StripeSandbox } from "../../sandbox/index.js";

// The sandbox as the demo spawns it (`tsx sandbox/cli.ts`), and the boundary that keeps it out
// of the product server.

const ROOT = new URL("../../", import.meta.url).pathname;
const TSX = join(ROOT, "node_modules/.bin/tsx");

function run(args: string[]) {
  const child = spawn(TSX, [join(ROOT, "sandbox/cli.ts"), ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, next: async () => (await lines.next()).value as string, exited, stderr: () => stderr };
}

describe("sandbox/cli.ts", () => {
  let other: StripeSandbox;
  beforeAll(async () => {
    other = await startStripeSandbox();
  });
  afterAll(async () => {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when the setup failed
    await other?.close();
  });

  it("starts on a free port, prints its URL, platform key and client id, and stops on SIGTERM", async () => {
    const cli = run([]);
    const url = (await cli.next()).replace(/^Stripe sandbox: /, "");
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await cli.next()).toMatch(/^Platform key: sk_test_\w+$/);
    expect(await cli.next()).toMatch(/^Client id: ca_\w+$/);
    expect(await cli.next()).toMatch(/^Account: acct_\w+ Demo Shop sk_test_\w+$/);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Stripe sandbox");
    cli.child.kill("SIGTERM");
    expect(await cli.exited).toBe(0);
  });

  it("prints one JSON line with --json", async () => {
    const cli = run(["--json"]);
    const info = JSON.parse(await cli.next()) as { url: string; platformKey: string; clientId: string; accounts: { displayName: string }[] };
    expect(info.platformKey).toMatch(/^sk_test_/);
    expect(info.accounts.map((a) => a.displayName)).toEqual(["Demo Shop", "Second Shop"]);
    cli.child.kill("SIGINT");
    expect(await cli.exited).toBe(0);
  });

  it("says in one line that a port is taken, without a stack trace", async () => {
    const cli = run(["--port", String(other.port)]);
    expect(await cli.exited).toBe(1);
    expect(cli.stderr().trim()).toBe(`Stripe sandbox: port ${other.port} on 127.0.0.1 is taken; pass another with --port, or --port 0 for a free one.`);
  });
});

describe("the product server", () => {
  it("never imports the sandbox (icodrip serve does not load it)", () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (/\.(ts|js|mjs)$/.test(name)) files.push(path);
      }
    };
    walk(join(ROOT, "server"));
    expect(files.length).toBeGreaterThan(10);
    const offenders = files.filter((f) => /from\s+["'][^"']*\/sandbox\/|import\(\s*["'][^"']*\/sandbox\//.test(readFileSync(f, "utf8")));
    expect(offenders).toEqual([]);
  });
});
