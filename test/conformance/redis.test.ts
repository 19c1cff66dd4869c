import { afterAll, beforeAll } from "vitest";
import pino from "pino";
import { RedisStore } from "../../src/store/redis/redis-store.js";
import type { StoreOptions } from "../../src/store/store.js";
import { TestRedis } from "../helpers/redis.js";
import { uniquePrefix } from "../helpers/server.js";
import { storeConformance } from "./suite.js";
import { budgetConformance } from "./budget.js";
import { storeEdgeConformance } from "./edges-suite.js";
import { storeLifecycleConformance } from "./lifecycle-suite.js";
import { renderDefaultsConformance } from "./render-defaults-suite.js";
import { agentStateConformance } from "./agent-state-suite.js";
import { runCursorConformance } from "./run-cursor-suite.js";
import { compactionConformance } from "./compaction-suite.js";
import { pruneArchiveConformance } from "./prune-archive-suite.js";

let redis: TestRedis;
beforeAll(async () => {
  redis = await TestRedis.start();
});
afterAll(async () => redis?.stop());

for (const hashTag of [true, false]) {
  const factory = async (options: StoreOptions) => {
    const store = new RedisStore(redis.client(), {
      ...options, prefix: uniquePrefix("conf"), hashTag, logger: pino({ level: "silent" }), readCacheBytes: 1 << 20,
    });
    return { store, close: () => store.close() };
  };
  storeConformance(`redis (hashTag ${hashTag})`, factory);
  budgetConformance(`redis (hashTag ${hashTag})`, factory);
  storeLifecycleConformance(`redis (hashTag ${hashTag})`, factory);
  storeEdgeConformance(`redis (hashTag ${hashTag})`, factory);
  renderDefaultsConformance(`redis (hashTag ${hashTag})`, factory);
  agentStateConformance(`redis (hashTag ${hashTag})`, factory);
  runCursorConformance(`redis (hashTag ${hashTag})`, factory);
  compactionConformance(`redis (hashTag ${hashTag})`, factory);
  pruneArchiveConformance(`redis (hashTag ${hashTag})`, factory);
}
