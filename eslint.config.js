// Lint: typescript-eslint's strict, type-checked rules over every TypeScript file of the project
// (server, middleware, snippet, sandbox, tests, bench, examples). `npm test` runs it beside tsc.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/**", "middleware/dist/**", "node_modules/**", "test-results/**", "**/*.js", "**/*.mjs"] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
  },
);
