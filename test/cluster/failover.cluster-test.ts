import { afterAll, beforeAll, expect, it } from "vitest";
import { TestRedisCluster } from "../helpers/redis.js";
import { startTestServer, uniquePrefix, type TestServer } from "../helpers/server.js";
import { runFailover, type FailoverKind } from "./failover-scenario.js";

/**
 * The three ways a master fails over, under writes and watches, against two servers on a
 * 3 × (master + replica) cluster (`npm run test:cluster`; see failover-scenario.ts for what is checked).
 */
const NODE_TIMEOUT_MS = 1000;
const prefix = uniquePrefix("failover");
const ROOMS = Array.from({ length: 9 }, (_, i) => `room-${i}`);
let cluster: TestRedisCluster;
let servers: TestServer[];

beforeAll(async () => {
  cluster = await TestRedisCluster.start({ masters: 3, replicas: 1, nodeTimeoutMs: NODE_TIMEOUT_MS });
  const env = {
    ROOMHISTORY_REDIS_CLUSTER: cluster.seeds,
    ROOMHISTORY_KEY_PREFIX: prefix,
    ROOMHISTORY_MAX_HISTORY: "1000",
    ROOMHISTORY_REDIS_COMMAND_TIMEOUT_MS: "500",
    ROOMHISTORY_DURABILITY_REPLICAS: "1",
    ROOMHISTORY_DURABILITY_TIMEOUT_MS: "300",
  };
  servers = await Promise.all([startTestServer(env), startTestServer(env)]);
}, 60_000);
afterAll(async () => {
  await Promise.all((servers ?? []).map((s) => s.stop()));
  await cluster?.stop();
});

it.each<FailoverKind>(["graceful", "kill", "stop"])("survives a %s failover", async (kind) => {
  const r = await runFailover(kind, cluster, servers, prefix, ROOMS, NODE_TIMEOUT_MS);
  console.log(JSON.stringify(r));
  expect(r.acked).toBeGreaterThan(0);
}, 120_000);
