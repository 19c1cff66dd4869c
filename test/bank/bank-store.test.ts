import { afterAll, beforeAll } from "vitest";
import { MemoryBank } from "../../src/store/bank/memory-bank.js";
import { RedisBank } from "../../src/store/bank/redis-bank.js";
import { TestRedis } from "../helpers/redis.js";
import { uniquePrefix } from "../helpers/server.js";
import { bankConformance } from "./conformance-suite.js";

let redis: TestRedis;
beforeAll(async () => {
  redis = await TestRedis.start();
});
afterAll(async () => redis?.stop());

bankConformance("memory", () => Promise.resolve({ bank: new MemoryBank(), close: () => Promise.resolve() }));
for (const hashTag of [true, false]) {
  bankConformance(`redis (hashTag ${hashTag})`, () => {
    const client = redis.client();
    const bank = new RedisBank(client, { prefix: uniquePrefix("bank"), hashTag });
    return Promise.resolve({ bank, close: async () => void (await client.quit()) });
  });
}
