// Builds the package twice from the same sources with the TypeScript compiler: an ES module build
// (dist/esm) and a CommonJS one (dist/cjs), each with declarations emitted for its own module
// format. dist/cjs gets a package.json saying "commonjs", since this package's own says "module"
// and Node (and TypeScript) decide a .js file's format from the nearest package.json.
// No source maps: the output is the sources minus their types, readable as it is, and a map would
// point at .ts files the package does not ship.
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const dist = join(here, "dist");

// A file whose source was deleted must not linger in the next tarball.
rmSync(dist, { recursive: true, force: true });
for (const config of ["tsconfig.esm.json", "tsconfig.cjs.json"]) {
  execFileSync(process.execPath, [tsc, "-p", join(here, config)], { stdio: "inherit" });
}
mkdirSync(join(dist, "cjs"), { recursive: true });
writeFileSync(join(dist, "cjs", "package.json"), `${JSON.stringify({ type: "commonjs" })}\n`);
