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
export default defineConfig({
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
