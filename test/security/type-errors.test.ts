import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

// A type error must stop the build and the test run: rollup's TypeScript plugin reports errors
// as warnings unless told otherwise (and the build script silences warnings), and vitest strips
// types without checking them.

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "../..");
const scratch: string[] = [];
afterAll(() => scratch.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe("type errors", () => {
  it("fail the snippet's rollup build with the project's config", async () => {
    const dir = mkdtempSync(join(tmpdir(), "icodrip-types-"));
    scratch.push(dir);
    cpSync(join(root, "rollup.config.ts"), join(dir, "rollup.config.ts"));
    cpSync(join(root, "package.json"), join(dir, "package.json"));
    symlinkSync(join(root, "node_modules"), join(dir, "node_modules"));
    mkdirSync(join(dir, "snippet"));
    writeFileSync(join(dir, "snippet", "index.ts"), 'const size: number = "large";\nconsole.log(size);\n');
    const build = run(join(root, "node_modules/.bin/rollup"), ["-c", "rollup.config.ts", "--configPlugin", "typescript={compilerOptions:{declaration:false}}", "--silent"], { cwd: dir });
    await expect(build).rejects.toMatchObject({ stderr: expect.stringContaining("TS2322") });
  });

  it("are checked by `npm test` before any test runs, over every folder of code", () => {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> };
    expect(pkg.scripts.typecheck).toBe("tsc --noEmit -p tsconfig.json");
    expect(pkg.scripts.test.indexOf("typecheck")).toBeGreaterThan(-1);
    expect(pkg.scripts.test.indexOf("typecheck")).toBeLessThan(pkg.scripts.test.indexOf("vitest"));
    const tsconfig = JSON.parse(readFileSync(join(root, "tsconfig.json"), "utf8")) as { include: string[] };
    for (const folder of ["server", "middleware", "snippet", "test", "bench", "examples"]) expect(tsconfig.include).toContain(folder);
  });
});
