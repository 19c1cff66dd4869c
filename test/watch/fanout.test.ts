import { afterAll, beforeAll, expect, it } from "vitest";
import { credentials, status } from "@grpc/grpc-js";
import type { Redis } from "ioredis";
import { RoomHistoryServiceClient } from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import { TestRedis } from "../helpers/redis.js";
import { startTestServer, uniquePrefix, type TestServer } from "../helpers/server.js";
import { rpc, user } from "../helpers/rpc.js";
import { WatchRecorder } from "../helpers/watch.js";
import { ChangeKind } from "@roomhistory/client/gen/roomhistory/v1/change.js";

let redis: TestRedis;
let raw: Redis;
let a: TestServer;
let b: TestServer;
const prefix = uniquePrefix("fan");

beforeAll(async () => {
  redis = await TestRedis.start();
  raw = redis.client();
  const env = { ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: prefix };
  [a, b] = await Promise.all([startTestServer(env), startTestServer(env)]);
});
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  raw?.disconnect();
  await redis?.stop();
});

/** Total calls per command from INFO commandstats. */
async function commandCalls(): Promise<Record<string, number>> {
  const info = await raw.info("commandstats");
  const calls: Record<string, number> = {};
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls[m[1]] = Number(m[2]);
  return calls;
}

it("delivers a write made through replica A to a watcher on replica B", async () => {
  const w = new WatchRecorder(b.client, { rooms: [{ roomId: "replicas" }] });
  await w.until((x) => x.responses.length >= 1);
  const r = await rpc(a.client).append({ roomId: "replicas", messages: [user("via A")] });
  await w.until((x) => x.changes.length >= 1);
  expect(w.changes[0]).toMatchObject({ roomId: "replicas", version: r.version, previousVersion: 0 });
  expect(w.changes[0].messages).toEqual(r.messages);
  w.cancel();
});

it("fans out to 1,000 watchers with one subscription and no Redis command while idle", async () => {
  const room = "thousand";
  // Ten connections of 100 streams, as workers would open them. (A thousand streams cancelled at once on
  // one connection trip the HTTP/2 stack's rapid-reset protection, which closes that connection.)
  const clients = Array.from({ length: 10 }, () =>
    new RoomHistoryServiceClient(b.address, credentials.createInsecure(), { "grpc.use_local_subchannel_pool": 1 }));
  const watchers = Array.from({ length: 1000 }, (_, i) =>
    new WatchRecorder(clients[i % clients.length], { rooms: [{ roomId: room }], progressIntervalMs: 60_000 }));
  await Promise.all(watchers.map((w) => w.until((x) => x.responses.length >= 1)));
  const channel = `${prefix}:{${room}}:changes`;
  expect(await raw.call("PUBSUB", "SHARDNUMSUB", channel)).toEqual([channel, 1]);

  const before = await commandCalls();
  await new Promise((r) => setTimeout(r, 1500)); // idle on purpose: the thing measured is "nothing happens"
  const after = await commandCalls();
  // Two kinds of idle traffic come per server process, whatever the number of watchers, and are counted
  // apart: a liveness PING (src/store/redis/availability.ts, and one per subscriber connection,
  // redis-feed.ts) every 2.5 command timeouts, and the reaper's one ZRANGEBYSCORE a second looking for
  // rooms past their retention (src/service/reaper.ts).
  const delta = (cmd: string) => (after[cmd] ?? 0) - (before[cmd] ?? 0);
  const perProcess = ["info", "ping", "zrangebyscore"];
  const extra = Object.entries(after).filter(([cmd, n]) => !perProcess.includes(cmd) && n !== (before[cmd] ?? 0));
  expect(extra, "Redis commands while 1,000 watchers idle").toEqual([]);
  expect(delta("ping"), "liveness PINGs: at most two per server process").toBeLessThanOrEqual(4);
  // 1.5 s idle: about two scans per process (other servers of this file may still be running); a
  // thousand watchers would make it thousands.
  expect(delta("zrangebyscore"), "reaper scans: a few per server process").toBeLessThanOrEqual(12);

  const api = rpc(a.client);
  for (let i = 0; i < 5; i++) await api.append({ roomId: room, messages: [user(`m${i}`)] });
  await Promise.all(watchers.map((w) => w.until((x) => x.changes.length >= 5)));
  for (const w of watchers) expect(w.changes.map((c) => c.version)).toEqual([1, 2, 3, 4, 5]);
  watchers.forEach((w) => w.cancel());
  clients.forEach((c) => c.close());
  await expectUnsubscribed(channel);
});

async function expectUnsubscribed(channel: string) {
  for (let i = 0; i < 100; i++) {
    const [, n] = (await raw.call("PUBSUB", "SHARDNUMSUB", channel)) as [string, number];
    if (n === 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error("the last watcher left but the room's subscription remained");
}

it("keeps the server's memory bounded for a client that stops reading, while others keep up", async () => {
  const room = "stalled";
  // Its own connection, as a stalled worker would have: flow control is per connection.
  const own = new RoomHistoryServiceClient(b.address, credentials.createInsecure(), { "grpc.use_local_subchannel_pool": 1 });
  const stalled = new WatchRecorder(own, { rooms: [{ roomId: room }] });
  await stalled.until((x) => x.responses.length >= 1);
  stalled.stream.pause(); // stop reading: HTTP/2 flow control pushes back on the server
  const healthy = new WatchRecorder(b.client, { rooms: [{ roomId: room }] });
  await healthy.until((x) => x.responses.length >= 1);

  const api = rpc(a.client);
  const big = "x".repeat(32 * 1024);
  const appends = 400; // ~13 MB of changes
  const heapBefore = process.memoryUsage().heapUsed;
  for (let i = 0; i < appends; i += 8) {
    await Promise.all(Array.from({ length: 8 }, (_, j) => api.append({ roomId: room, messages: [user(`${i + j}:${big}`)] })));
  }
  await healthy.until((x) => x.changes.at(-1)?.version === appends + 0, 30_000);
  expect(healthy.changes.map((c) => c.version)).toEqual(Array.from({ length: appends }, (_, i) => i + 1));
  // The stalled stream holds at most one pending change per room (merged), however far behind it is.
  const grown = process.memoryUsage().heapUsed - heapBefore;
  expect(grown).toBeLessThan(64 * 1024 * 1024);
  stalled.stream.resume();
  await stalled.until((x) => x.changes.at(-1)?.version === appends, 30_000);
  const versions = stalled.changes.map((c) => c.version);
  expect(versions).toEqual([...versions].sort((x, y) => x - y));
  expect(new Set(versions).size).toBe(versions.length);
  expect(versions.length).toBeLessThan(appends); // merged while it was not reading
  stalled.cancel();
  healthy.cancel();
  own.close();
});

it("recovers from a lost subscriber connection without missing a version", async () => {
  const room = "resub";
  const w = new WatchRecorder(b.client, { rooms: [{ roomId: room }] });
  await w.until((x) => x.responses.length >= 1);
  const api = rpc(a.client);
  let last = 0;
  for (let round = 0; round < 5; round++) {
    await raw.call("CLIENT", "KILL", "TYPE", "pubsub");
    for (let i = 0; i < 10; i++) last = (await api.append({ roomId: room, messages: [user(`r${round}:${i}`)] })).version;
  }
  await w.until((x) => x.changes.at(-1)?.version === last, 20_000);
  const versions = w.changes.map((c) => c.version);
  expect(versions).toEqual([...new Set(versions)].sort((x, y) => x - y));
  // On one stream every change follows the one before it; what the feed lost comes as a RESYNC.
  w.changes.forEach((c, i) => expect(c.previousVersion).toBe(i === 0 ? 0 : w.changes[i - 1].version));
  w.cancel();
});

it("ends watches with UNAVAILABLE on shutdown", async () => {
  const s = await startTestServer({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: prefix });
  const w = new WatchRecorder(s.client, { rooms: [{ roomId: "bye" }] });
  await w.until((x) => x.responses.length >= 1);
  await s.app.shutdown();
  await w.until((x) => x.error !== undefined).catch(() => undefined);
  expect(w.error?.code).toBe(status.UNAVAILABLE);
  s.client.close();
});

it("answers UNAVAILABLE to a watch opened while Redis is down", async () => {
  const down = await TestRedis.start();
  const s = await startTestServer({ ROOMHISTORY_REDIS_URL: down.url, ROOMHISTORY_KEY_PREFIX: prefix });
  try {
    await down.kill();
    const w = new WatchRecorder(s.client, { rooms: [{ roomId: "down" }] });
    await w.until((x) => x.error !== undefined).catch(() => undefined);
    expect(w.error?.code).toBe(status.UNAVAILABLE);
  } finally {
    await s.stop();
    await down.stop();
  }
});

it("tells watchers when Redis lost a room and its version went back", async () => {
  const volatile = await TestRedis.start();
  const s = await startTestServer({ ROOMHISTORY_REDIS_URL: volatile.url, ROOMHISTORY_KEY_PREFIX: prefix });
  try {
    const api = rpc(s.client);
    for (let i = 0; i < 5; i++) await api.append({ roomId: "lost", messages: [user(`${i}`)] });
    const w = new WatchRecorder(s.client, { rooms: [{ roomId: "lost", knownVersion: 5 }] });
    await w.until((x) => x.responses.length >= 1);
    await volatile.kill();
    await volatile.launch(); // empty: no persistence
    await w.until((x) => x.changes.some((c) => c.version === 0), 15_000);
    expect(w.changes[0]).toMatchObject({ previousVersion: 5, version: 0, kind: ChangeKind.CHANGE_KIND_RESYNC });
    let v = 0;
    for (let i = 0; i < 200 && v === 0; i++) v = await api.append({ roomId: "lost", messages: [user("again")] }).then((r) => r.version, () => 0);
    await w.until((x) => x.changes.at(-1)?.version === 1);
    expect(w.changes.at(-1)).toMatchObject({ previousVersion: 0, version: 1, kind: ChangeKind.CHANGE_KIND_APPEND });
  } finally {
    await s.stop();
    await volatile.stop();
  }
});
