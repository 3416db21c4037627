import { gzipSync } from "node:zlib";
import { beforeAll, expect, it } from "vitest";
import { builtSnippet } from "./harness.js";

let code: string;
beforeAll(async () => {
  code = await builtSnippet();
});

it("is one self-contained IIFE, at most 1,500 bytes gzipped", () => {
  const gzipped = gzipSync(code, { level: 9 }).length;
  console.info(`dist/snippet.js: ${code.length} bytes, ${gzipped} bytes gzipped (level 9)`);
  expect(gzipped).toBeLessThanOrEqual(1500);
  expect(code).toMatch(/^\(\(\)=>\{|^!function\(\)\{/);
  expect(code).not.toMatch(/\bimport\b|\bexport\b|require\(/);
});
