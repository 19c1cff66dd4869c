import { afterAll, beforeAll } from "vitest";
import pino from "pino";
import { RedisStore } from "../../src/store/redis/redis-store.js";
import type { StoreOptions } from "../../src/store/store.js";
import { TestRedis } from "../helpers/redis.js";
import { uniquePrefix } from "../helpers/server.js";
import { transferStoreConformance } from "./store-suite.js";

let redis: TestRedis;
beforeAll(async () => {
  redis = await TestRedis.start();
});
afterAll(async () => redis?.stop());

for (const hashTag of [true, false]) {
  transferStoreConformance(`redis (hashTag ${hashTag})`, async (options: StoreOptions) => {
    const store = new RedisStore(redis.client(), {
      ...options, prefix: uniquePrefix("xfer"), hashTag, logger: pino({ level: "silent" }), readCacheBytes: 1 << 20,
    });
    return { store, close: () => store.close() };
  });
}
