import { afterAll, beforeAll, expect, it } from "vitest";
import { status } from "@grpc/grpc-js";
import { TestRedis } from "../helpers/redis.js";
import { startTestServer, uniquePrefix, type TestServer } from "../helpers/server.js";
import { rpc, user } from "../helpers/rpc.js";
import { waitFor } from "../helpers/ports.js";

/** Durable mutations against a primary with one replica (Redis WAIT), and the clear refusal without one. */
let primary: TestRedis;
let replica: TestRedis;
let server: TestServer;

beforeAll(async () => {
  primary = await TestRedis.start();
  replica = await TestRedis.start(["--replicaof", "127.0.0.1", String(primary.port)]);
  const r = replica.client();
  await waitFor(async () => (await r.info("replication")).includes("master_link_status:up"), 20_000, "the replica's link");
  r.disconnect();
  server = await startTestServer({
    ROOMHISTORY_REDIS_URL: primary.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix("durable"), ROOMHISTORY_DURABILITY_REPLICAS: "1",
  });
});
afterAll(async () => {
  await server?.stop();
  await Promise.all([primary?.stop(), replica?.stop()]);
});

it("waits for the replica by default (ROOMHISTORY_DURABILITY_REPLICAS=1), and the write is on it", async () => {
  const api = rpc(server.client);
  const r = await api.append({ roomId: "d", messages: [user("kept")] });
  expect(r.version).toBe(1);
  const c = replica.client();
  try {
    expect((await c.lrange((await c.keys("*{d}"))[0], 0, -1)).length).toBe(1); // no wait: WAIT said it is there
  } finally {
    c.disconnect();
  }
});

it("answers UNAVAILABLE naming what is missing when the replicas cannot acknowledge; the write stays applied", async () => {
  const api = rpc(server.client);
  const err = await api.append({ roomId: "d2", messages: [user("x")], durability: { replicas: 2, timeoutMs: 50 } })
    .then(() => undefined, (e: { code: number; details: string }) => e);
  expect(err?.code).toBe(status.UNAVAILABLE);
  expect(err?.details).toMatch(/1 of 2 replicas acknowledged the write within 50 ms/);
  expect((await api.history({ roomId: "d2" })).version).toBe(1);
});

it("says why fsync cannot be confirmed on a Redis without WAITAOF (before 7.2)", async () => {
  const c = primary.client();
  const version = /redis_version:(\d+)\.(\d+)/.exec(await c.info("server"))!.slice(1).map(Number);
  c.disconnect();
  const api = rpc(server.client);
  const res = await api.append({ roomId: "d3", messages: [user("x")], durability: { replicas: 1, fsync: true } })
    .then(() => undefined, (e: { code: number; details: string }) => e);
  if (version[0] < 7 || (version[0] === 7 && version[1] < 2)) {
    expect(res?.code).toBe(status.UNAVAILABLE);
    expect(res?.details).toMatch(/WAITAOF needs Redis 7.2/);
  } else {
    expect(res?.details ?? "").toMatch(/appendonly|AOF|^$/); // the test Redis runs without AOF
  }
});
