import { afterAll, beforeAll } from "vitest";
import pino from "pino";
import { RedisStore } from "../../src/store/redis/redis-store.js";
import type { StoreOptions } from "../../src/store/store.js";
import { MemoryStore } from "../../src/store/memory/memory-store.js";
import { TestRedis } from "../helpers/redis.js";
import { uniquePrefix } from "../helpers/server.js";
import { announceConformance } from "./announce-suite.js";

let redis: TestRedis;
beforeAll(async () => {
  redis = await TestRedis.start();
});
afterAll(async () => redis?.stop());

for (const hashTag of [true, false]) {
  announceConformance(`redis (hashTag ${hashTag})`, async (options: StoreOptions) => {
    const store = new RedisStore(redis.client(), {
      ...options, prefix: uniquePrefix("ann"), hashTag, logger: pino({ level: "silent" }), readCacheBytes: 1 << 20,
    });
    return { store, close: () => store.close() };
  });
}

announceConformance("memory", async (options) => {
  const store = new MemoryStore(options);
  return { store, close: () => store.close() };
});
