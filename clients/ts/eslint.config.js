// eslint (typescript-eslint, type-aware) for the TypeScript client: its sources, tests and examples.
// scripts/test.sh runs `npx eslint clients/ts`. The generated code (src/gen) and the build (dist) are not ours.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "src/gen/", "index.cjs", "eslint.config.js"] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
  },
);
