import terserModule from "@rollup/plugin-terser";
import typescriptModule from "@rollup/plugin-typescript";
import { defineConfig } from "rollup";

// The plugins' declarations describe CommonJS, so under the repository's NodeNext settings
// TypeScript types their default import as the module object, while Node (and Vite) load their ES
// build, whose default export is the plugin itself. This accepts both.
const interop = <T>(imported: { default: T }): T => (imported.default ?? imported) as T;
const terser = interop(terserModule);
const typescript = interop(typescriptModule);

// The browser snippet: one self-contained IIFE. It compiles with options of its own (a browser
// target, no Node types, no declarations), not the server's NodeNext settings.
export const snippet = defineConfig({
  input: "snippet/index.ts",
  output: { file: "dist/snippet.js", format: "iife", strict: false },
  plugins: [
    typescript({
      tsconfig: false,
      include: ["snippet/**/*.ts"],
      // A type error fails the build instead of passing as a warning that --silent would hide.
      noEmitOnError: true,
      compilerOptions: {
        target: "ES2020",
        module: "ESNext",
        moduleResolution: "Bundler",
        lib: ["ES2020", "DOM", "DOM.Iterable"],
        strict: true,
        isolatedModules: true,
        verbatimModuleSyntax: true,
        types: [],
      },
    }),
    // The snippet never uses `this`, `arguments`, getters with effects or odd built-ins, so the
    // "unsafe" rewrites are safe here.
    terser({
      ecma: 2020,
      compress: { passes: 3, unsafe: true, unsafe_arrows: true, pure_getters: true },
      format: { comments: false },
    }),
  ],
});

// The dashboard's scripts: one ES module per page (server/dashboard/assets.ts serves them), the
// layout's in layout.js, which every dashboard page imports, and the helpers several entries
// share (page.ts, live.ts) in one chunk of a fixed name, shared.js, and the record actions the
// Programs and Affiliates tabs share in records.js, which the server serves too. They import the
// server's schemas as types only, which the compiler erases, so the type-check reaches the
// server's sources (hence Node's types here) while the bundle holds none of them.
const dashboard = defineConfig({
  input: Object.fromEntries(
    ["layout", "programs", "affiliates", "conversions", "integrations", "account", "portal", "overview", "affiliate", "payouts"].map((name) => [name, `server/dashboard/browser/${name}.ts`]),
  ),
  output: {
    dir: "dist/dashboard",
    format: "es",
    entryFileNames: "[name].js",
    chunkFileNames: "[name].js",
    manualChunks: (id) =>
      /server\/dashboard\/browser\/(page|live)\.ts$/.test(id)
        ? "shared"
        : /server\/dashboard\/browser\/(record-actions|create-forms|program-body|copy)\.ts$/.test(id)
          ? "records"
          : undefined,
  },
  plugins: [
    typescript({
      tsconfig: false,
      include: ["server/dashboard/browser/**/*.ts"],
      noEmitOnError: true,
      compilerOptions: {
        target: "ES2022",
        module: "ESNext",
        moduleResolution: "Bundler",
        lib: ["ES2022", "DOM", "DOM.Iterable"],
        strict: true,
        skipLibCheck: true,
        esModuleInterop: true,
        resolveJsonModule: true,
        isolatedModules: true,
        verbatimModuleSyntax: true,
        types: ["node"],
      },
    }),
    terser({ ecma: 2020, module: true, format: { comments: false } }),
  ],
});

export default [snippet, dashboard];
