import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The folder of icodrip's package.json, whether running from sources (tsx) or from dist/. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: unknown }).name === "icodrip") return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error("icodrip's package.json was not found above " + fileURLToPath(import.meta.url));
    dir = parent;
  }
}
