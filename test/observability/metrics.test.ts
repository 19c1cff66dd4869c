/**
 * Prometheus metrics (ROOMHISTORY_METRICS_LISTEN) on a real server over a real redis-server, scraped
 * over real HTTP: appends, a version conflict, a watched change, a cached read and a reap move what
 * they should; the exposition parses; without the setting nothing is served.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Role, RoomHistoryClient, VersionConflictError } from "@roomhistory/client";
import { loadConfig } from "../../src/config.js";
import { TestRedis } from "../helpers/redis.js";
import { startTestServer, uniquePrefix, type TestServer } from "../helpers/server.js";

let redis: TestRedis;
let server: TestServer;
let client: RoomHistoryClient;

beforeAll(async () => {
  redis = await TestRedis.start();
  server = await startTestServer({
    ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix("metrics"), ROOMHISTORY_METRICS_LISTEN: "127.0.0.1:0",
  });
  client = new RoomHistoryClient(server.address);
});
afterAll(async () => {
  client?.close();
  await server?.stop();
  await redis?.stop();
});

const user = (content: string) => ({ role: Role.ROLE_USER, content });

/** Every sample of the exposition, by its name and labels as written ('name{a="b"}'). */
async function scrape(): Promise<Map<string, number>> {
  const res = await fetch(`http://${server.app.metricsAddress}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  const samples = new Map<string, number>();
  // Values as Prometheus parses them (Go's ParseFloat: prom-client writes an empty summary's NaN as "Nan").
  for (const line of (await res.text()).split("\n")) {
    if (line === "" || line.startsWith("# HELP ") || line.startsWith("# TYPE ")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})?) (-?[0-9.e+-]+|[Nn]a[Nn]|[+-]Inf)$/.exec(line);
    expect(m, `not the text format: ${line}`).not.toBeNull();
    samples.set(m![1], Number(m![2]));
  }
  return samples;
}

const value = (s: Map<string, number>, key: string) => s.get(key) ?? 0;
const rpc = (method: string, code: string) =>
  `roomhistory_rpc_requests_total{service="roomhistory.v1.RoomHistoryService",method="${method}",code="${code}"}`;

describe("metrics", () => {
  it("count RPCs by method and code, conflicts, script latency, reads from the cache and reaped rooms", async () => {
    const before = await scrape();
    await client.appendMessages({ roomId: "m/1", messages: [user("one")] });
    await client.appendMessages({ roomId: "m/1", messages: [user("two")] });
    await expect(client.appendMessages({ roomId: "m/1", messages: [user("late")], expectedVersion: 1 }))
      .rejects.toBeInstanceOf(VersionConflictError);
    await client.getHistory({ roomId: "m/1" });
    await client.getHistory({ roomId: "m/1" }); // the second is answered from the confirmed cache
    await client.setRoomRetention({ roomId: "m/idle", idleTtlSeconds: 3600 });
    await new Promise((r) => setTimeout(r, 1100)); // a room idle for a whole second: the reap's unit
    await client.reapIdleRooms({ maxIdleSeconds: 1 });

    const after = await scrape();
    const moved = (key: string) => value(after, key) - value(before, key);
    expect(moved(rpc("AppendMessages", "OK"))).toBe(2);
    expect(moved(rpc("AppendMessages", "ABORTED"))).toBe(1);
    expect(moved(rpc("GetHistory", "OK"))).toBe(2);
    expect(moved('roomhistory_conflicts_total{reason="VERSION_CONFLICT"}')).toBe(1);
    expect(moved('roomhistory_rpc_duration_seconds_count{service="roomhistory.v1.RoomHistoryService",method="AppendMessages"}')).toBe(3);
    expect(moved('roomhistory_redis_script_duration_seconds_count{script="rhAppend"}')).toBe(3);
    expect(moved('roomhistory_read_cache_requests_total{result="hit"}')).toBeGreaterThanOrEqual(1);
    expect(moved("roomhistory_rooms_reaped_total")).toBeGreaterThanOrEqual(1);
    expect(value(after, "process_cpu_seconds_total")).toBeGreaterThan(0);
  });

  it("follow open watches, watched rooms, subscriptions and changes sent with their lag", async () => {
    const before = await scrape();
    const stream = client.watch(["m/w1", "m/w2"]);
    const first = stream.next();
    await stream.requestProgress();
    const open = await scrape();
    expect(value(open, "roomhistory_watch_streams")).toBe(value(before, "roomhistory_watch_streams") + 1);
    expect(value(open, "roomhistory_watched_rooms")).toBeGreaterThanOrEqual(2);
    expect(value(open, "roomhistory_redis_subscriptions")).toBeGreaterThanOrEqual(2);

    await client.appendMessages({ roomId: "m/w1", messages: [user("seen")] });
    expect((await first).value).toMatchObject({ roomId: "m/w1", version: 1 });
    const after = await scrape();
    const moved = (key: string) => value(after, key) - value(before, key);
    expect(moved('roomhistory_watch_changes_sent_total{kind="append"}')).toBe(1);
    expect(moved("roomhistory_watch_fanout_lag_seconds_count")).toBe(1);
    expect(moved(rpc("WatchRooms", "OK")) + moved(rpc("WatchRooms", "CANCELLED"))).toBe(0); // still open
    stream.close();
  });

  it("answer 404 outside /metrics", async () => {
    expect((await fetch(`http://${server.app.metricsAddress}/other`)).status).toBe(404);
  });
});

describe("metrics settings", () => {
  it("are off unless ROOMHISTORY_METRICS_LISTEN is set, and refuse an address that is not host:port", async () => {
    const plain = await startTestServer();
    try {
      expect(plain.app.metricsAddress).toBeUndefined();
    } finally {
      await plain.stop();
    }
    expect(() => loadConfig({ ROOMHISTORY_METRICS_LISTEN: "9464" })).toThrow(/ROOMHISTORY_METRICS_LISTEN must be host:port/);
    expect(loadConfig({ ROOMHISTORY_METRICS_LISTEN: "[::1]:9464" }).metricsListen).toBe("[::1]:9464");
  });
});
