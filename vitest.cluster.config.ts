import { defineConfig } from "vitest/config";
import base from "./vitest.config.js";

/** `npm run test:cluster`: the long Redis Cluster failover scenarios (test/cluster/*.cluster-test.ts). */
export default defineConfig({
  ...base,
  test: { ...base.test, include: ["test/cluster/**/*.cluster-test.ts"], testTimeout: 180_000 },
});
