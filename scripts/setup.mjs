// Makes a fresh clone ready to run: installs dependencies when they are missing or stale, then
// builds the server and the snippet. `npm start`, `npm test` and `npm run bench` call it first,
// so each of them works as the first command on a new machine. Plain Node, no dependencies.
import { execFileSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";

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
run(["run", "--silent", "build"]);
