// eslint with type-aware typescript-eslint, one flat config for every TypeScript tree: the server (src),
// the benchmarks (bench) and the TypeScript client (clients/ts: src, test). scripts/test.sh runs it.
// Each file is checked against its nearest tsconfig.json (the root's for src and bench, clients/ts's and
// clients/ts/test's for the client). Generated code (src/gen, clients/ts/src/gen) and builds are not ours.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["**/dist/", "**/gen/", "clients/ts/index.cjs", "**/*.js", "**/*.cjs", "**/*.mjs"] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // The stores' methods implement Promise-returning interfaces (HistoryStore, the feed): `async`
      // keeps a throw a rejection, as callers expect, also where a method has nothing to await.
      "@typescript-eslint/require-await": "off",
      // `const { dropped: _dropped, ...rest } = x` is how a field is left out of a copy.
      "@typescript-eslint/no-unused-vars": ["error", { ignoreRestSiblings: true, argsIgnorePattern: "^_" }],
    },
  },
);
