// Makes a fresh clone ready to run: installs dependencies when they are missing or stale, then
// builds the server and the snippet when a source changed since the last build. `npm start`,
// `npm test` and `npm run bench` call it first, so each of them works as the first command on a
// new machine, and a second `npm start` starts at once. Plain Node, no dependencies.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const major = Number(process.versions.node.split(".")[0]);
const minor = Number(process.versions.node.split(".")[1]);
if (major < 20 || (major === 20 && minor < 12)) {
  console.error(`icodrip needs Node.js 20.12 or newer; this is ${process.versions.node}.`);
  process.exit(1);
}

const run = (args) => execFileSync("npm", args, { stdio: "inherit" });
const mtime = (path) => (existsSync(path) ? statSync(path).mtimeMs : 0);

const installed = "node_modules/.package-lock.json";
if (!existsSync(installed) || mtime("package-lock.json") > mtime(installed)) {
  console.log("Installing dependencies (the first time this compiles better-sqlite3, about a minute and a half)…");
  run(["ci", "--no-audit", "--no-fund"]);
}
// Patches to dependencies (patches/: node-redis's write scheduling, see the README's Redis
// notes), checked on every run rather than only after an install here, so a tree installed by a
// plain `npm ci` gets them too. patch-package applies what is missing, leaves what is applied,
// and fails on a patch an upgraded package no longer fits: then this stops, saying so.
const patcher = join(dirname(createRequire(import.meta.url).resolve("patch-package/package.json")), "index.js");
try {
  execFileSync(process.execPath, [patcher, "--error-on-fail"], { stdio: "pipe" });
} catch (error) {
  process.stderr.write(error.stdout ?? "");
  process.stderr.write(error.stderr ?? "");
  console.error("A patch in patches/ no longer applies to the installed packages; update it (npx patch-package <package>) or remove it.");
  process.exit(1);
}

// What the build reads. Folders count too: deleting a file changes its folder's time.
const SOURCES = ["server", "middleware", "snippet", "rollup.config.ts", "tsconfig.json", "tsconfig.build.json", "package.json", "package-lock.json"];
const STAMP = "dist/.built";

// Build output and installed packages inside a source folder (middleware/dist when the package
// is packed, middleware/node_modules) are not sources.
const NOT_SOURCES = new Set(["dist", "node_modules"]);

function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path)
    .filter((name) => !NOT_SOURCES.has(name))
    .reduce((latest, name) => Math.max(latest, newest(join(path, name))), stat.mtimeMs);
}

if (process.env.ICODRIP_FORCE_BUILD === "1" || !existsSync(STAMP) || Math.max(...SOURCES.map(newest)) > mtime(STAMP)) {
  run(["run", "--silent", "build"]);
  writeFileSync(STAMP, `${new Date().toISOString()}\n`);
}
