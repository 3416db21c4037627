import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The server as an operator installs it: `npm pack` of this repository, installed with production
// dependencies only into an empty folder, then `icodrip serve` from there. better-sqlite3 compiles
// from source on every install when no prebuilt binary can be fetched (about 85 s here); that
// compile is better-sqlite3's, not ours, so the install skips install scripts and the native
// module this repository already built is copied in. Everything else is the packed package as is.

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "../..");
let dir: string;
let tarball: string;
let files: string[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "icodrip-pack-"));
  // dist/ is current: npm test's setup built it. --ignore-scripts skips prepack's rebuild.
  const packed = await run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", dir], { cwd: root });
  const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
  tarball = join(dir, info.filename);
  files = info.files.map((f) => f.path);
  const app = join(dir, "operator");
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "operator", private: true }));
  await run("npm", ["install", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline", tarball], { cwd: app, timeout: 170_000 });
  // As an operator's deploy does it: a clean install from the lockfile that first install wrote.
  await run("npm", ["ci", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline"], { cwd: app, timeout: 170_000 });
  const built = join(root, "node_modules/better-sqlite3/build");
  cpSync(built, join(app, "node_modules/better-sqlite3/build"), { recursive: true });
}, 180_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the packed server package", () => {
  it("ships the built server, middleware and snippet, and no source map or source", () => {
    for (const path of ["package.json", "README.md", "dist/server/cli.js", "dist/server/index.js", "dist/middleware/index.js", "dist/middleware/index.d.ts", "dist/snippet.js", "dist/dashboard/layout.js", "dist/dashboard/affiliates.js"]) {
      expect(files).toContain(path);
    }
    expect(files.filter((f) => f.endsWith(".map"))).toEqual([]);
    expect(files.filter((f) => /\.ts$/.test(f) && !f.endsWith(".d.ts"))).toEqual([]);
    expect(files.filter((f) => f.startsWith("test/") || f.startsWith("sandbox/") || f.startsWith("node_modules/"))).toEqual([]);
    // No file points at a source map (a dangling sourceMappingURL would send a debugger nowhere).
    const app = join(dir, "operator", "node_modules", "icodrip");
    const js = readdirSync(join(app, "dist"), { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".js"));
    for (const f of js) expect(readFileSync(join(app, "dist", f), "utf8")).not.toMatch(/sourceMappingURL/);
  });

  it("installs with production dependencies only and answers --version", async () => {
    const app = join(dir, "operator");
    const lock = JSON.parse(readFileSync(join(app, "package-lock.json"), "utf8")) as { packages: Record<string, { dev?: boolean }> };
    expect(Object.keys(lock.packages)).toContain("node_modules/icodrip");
    expect(existsSync(join(app, "node_modules", "vitest"))).toBe(false);
    expect(existsSync(join(app, "node_modules", "typescript"))).toBe(false);
    const version = await run(join(app, "node_modules/.bin/icodrip"), ["--version"]);
    expect(version.stdout.trim()).toBe((JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }).version);
  });

  it("serves /healthz and the snippet with `icodrip serve` from the installed package", async () => {
    const app = join(dir, "operator");
    const child = spawn(join(app, "node_modules/.bin/icodrip"), ["serve"], {
      cwd: app,
      env: { PATH: process.env.PATH, PORT: "0", DATA_DIR: join(app, "data"), LOG_LEVEL: "silent" },
    });
    try {
      let out = "";
      child.stdout.setEncoding("utf8");
      const port = await new Promise<number>((resolvePort, reject) => {
        child.stdout.on("data", (chunk: string) => {
          out += chunk;
          const found = /\(port (\d+)\)/.exec(out);
          if (found) resolvePort(Number(found[1]));
        });
        child.once("exit", (code) => reject(new Error(`icodrip serve exited with ${String(code)}: ${out}`)));
      });
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(await health.json()).toEqual({ ok: true, store: "embedded" });
      const snippet = await fetch(`http://127.0.0.1:${port}/snippet.js`);
      expect(snippet.status).toBe(200);
      expect((await snippet.text()).length).toBeGreaterThan(1000);
      const dashboardScript = await fetch(`http://127.0.0.1:${port}/dashboard/assets/conversions.js`);
      expect(dashboardScript.status).toBe(200);
      expect(await dashboardScript.text()).toContain("/attribute");
    } finally {
      child.kill("SIGTERM");
      if (child.exitCode === null) await once(child, "exit");
    }
  });
});
