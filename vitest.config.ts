import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@roomhistory\/client\/gen\/(.*)$/, replacement: src("./clients/ts/src/gen/$1") },
      { find: /^@roomhistory\/client$/, replacement: src("./clients/ts/src/index.ts") },
      { find: /^@roomhistory\/client\/langchain$/, replacement: src("./clients/ts/src/integrations/langchain.ts") },
    ],
  },
  test: {
    include: ["test/**/*.test.ts", "clients/ts/test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
