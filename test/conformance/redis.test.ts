import { afterAll, beforeAll } from "vitest";
import pino from "pino";
import { RedisStore } from "../../src/store/redis/redis-store.js";
import { TestRedis } from "../helpers/redis.js";
import { uniquePrefix } from "../helpers/server.js";
import { storeConformance } from "./suite.js";

let redis: TestRedis;
beforeAll(async () => {
  redis = await TestRedis.start();
});
afterAll(async () => redis?.stop());

for (const hashTag of [true, false]) {
  storeConformance(`redis (hashTag ${hashTag})`, async (options) => {
    const store = new RedisStore(redis.client(), {
      ...options, prefix: uniquePrefix("conf"), hashTag, logger: pino({ level: "silent" }), readCacheBytes: 1 << 20,
    });
    return { store, close: () => store.close() };
  });
}
