import { afterAll, beforeAll, expect, it } from "vitest";
import { status } from "@grpc/grpc-js";
import { TestRedis } from "../helpers/redis.js";
import { startTestServer, uniquePrefix, type TestServer } from "../helpers/server.js";
import { rpc, user } from "../helpers/rpc.js";
import { waitFor } from "../helpers/ports.js";
import { HealthLog } from "../cluster/failover-scenario.js";

/**
 * Health follows a Redis that stops answering without closing its connections (SIGSTOP, CLIENT PAUSE):
 * NOT_SERVING within a probe interval and a command timeout, a call meanwhile UNAVAILABLE after the
 * command timeout (not hung), SERVING again once it answers.
 */
let redis: TestRedis;
let server: TestServer;
let health: HealthLog;

beforeAll(async () => {
  redis = await TestRedis.start();
  server = await startTestServer({
    ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix("stall"), ROOMHISTORY_REDIS_COMMAND_TIMEOUT_MS: "300",
  });
  health = new HealthLog(server.address);
  await waitFor(() => health.current === "SERVING", 5000, "SERVING");
});
afterAll(async () => {
  health?.close();
  await server?.stop();
  await redis?.stop();
});

it("goes NOT_SERVING while Redis is frozen (SIGSTOP), answers UNAVAILABLE in time, and recovers", async () => {
  const api = rpc(server.client);
  await api.append({ roomId: "stall", messages: [user("before")] });
  const frozenAt = Date.now();
  redis.freeze();
  try {
    await waitFor(() => health.firstAfter(frozenAt, "NOT_SERVING") !== undefined, 5000, "NOT_SERVING while idle");
    const t0 = Date.now();
    const err = await api.history({ roomId: "stall" }).then(() => undefined, (e: { code: number }) => e);
    expect(err?.code).toBe(status.UNAVAILABLE);
    expect(Date.now() - t0, "a call does not hang on a frozen Redis").toBeLessThan(2000);
  } finally {
    redis.thaw();
  }
  await waitFor(() => health.current === "SERVING", 5000, "SERVING again");
  expect((await api.history({ roomId: "stall" })).messages.map((m) => m.content)).toEqual(["before"]);
});

it("goes NOT_SERVING while Redis pauses its clients (CLIENT PAUSE), and recovers", async () => {
  const admin = redis.client();
  try {
    const pausedAt = Date.now();
    await admin.call("CLIENT", "PAUSE", "2500", "ALL");
    await waitFor(() => health.firstAfter(pausedAt, "NOT_SERVING") !== undefined, 5000, "NOT_SERVING");
    await waitFor(() => health.current === "SERVING", 8000, "SERVING after the pause");
  } finally {
    admin.disconnect();
  }
});
