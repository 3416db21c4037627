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
      parserOptions: {
        // vitest.config.ts sits outside tsconfig.json's include list (tsc has nothing to check there).
        projectService: { allowDefaultProject: ["vitest.config.ts"] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // `declare global { namespace Express { ... } }` is the only way to add req.referral to Express's
      // Request type; namespaces that emit code are still refused.
      "@typescript-eslint/no-namespace": ["error", { allowDeclarations: true }],
      // Numbers in messages and ids are fine; any, booleans, null/undefined, arrays and objects still are
      // not (the other options restate strictTypeChecked's choice, which a rule entry would otherwise reset).
      "@typescript-eslint/restrict-template-expressions": [
        "error",
        { allowNumber: true, allowAny: false, allowBoolean: false, allowNullish: false, allowRegExp: false, allowNever: false, allowArray: false },
      ],
      // `(x) => res.end(x)` in callbacks is a common, readable shorthand; void used elsewhere is still flagged.
      "@typescript-eslint/no-confusing-void-expression": ["error", { ignoreArrowShorthand: true }],
      // A leading underscore marks a name kept on purpose (express's 4-argument error handler, fields
      // left out of a copy by destructuring); unused names without it are still errors.
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_", ignoreRestSiblings: true },
      ],
    },
  },
  {
    // Tests only. Their JSON answers (TestServer.api's body, fetch().json(), recorded Stripe payloads)
    // are `any` on purpose: expect() checks their shape at run time, which is the point of the test,
    // so the no-unsafe-* family would only demand casts that check nothing. For the same reason tests
    // may write `any` to hand deliberately malformed input to the code, and `!` where a missing value
    // would fail the test anyway. Product code keeps all of these rules.
    files: ["test/**/*.ts"],
    rules: {
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-non-null-assertion": "off",
      // Test doubles implement the store's and the DOM's async interfaces with synchronous bodies.
      "@typescript-eslint/require-await": "off",
      "@typescript-eslint/restrict-template-expressions": [
        "error",
        { allowNumber: true, allowAny: true, allowBoolean: false, allowNullish: false, allowRegExp: false, allowNever: false, allowArray: false },
      ],
    },
  },
);
