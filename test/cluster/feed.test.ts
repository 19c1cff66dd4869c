import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { Cluster } from "ioredis";
import pino from "pino";
import { TestRedisCluster } from "../helpers/redis.js";
import { uniquePrefix } from "../helpers/server.js";
import { waitFor } from "../helpers/ports.js";
import { KeySpace } from "../../src/store/keys.js";
import { RedisFeed } from "../../src/store/redis/redis-feed.js";
import type { StoreChange } from "../../src/store/store.js";

/**
 * The change feed alone against a 3 × (master + replica) cluster: each way a room's shard can change
 * hands, and the feed finding the room's new master, saying which rooms were in doubt, and delivering
 * what is published afterwards.
 */
let cluster: TestRedisCluster;
let pub: Cluster;
let sub: Cluster;
let feed: RedisFeed;
const keys = new KeySpace({ prefix: uniquePrefix("feed"), hashTag: true });
const log = new (class {
  changes: StoreChange[] = [];
  unconfirmedIds: string[] = [];
  resubscribedIds: string[] = [];
  change(c: StoreChange) { this.changes.push(c); }
  unconfirmed(ids: readonly string[]) { this.unconfirmedIds.push(...ids); }
  resubscribed(ids?: readonly string[]) { this.resubscribedIds.push(...(ids ?? ["*"])); }
  reset() { this.changes = []; this.unconfirmedIds = []; this.resubscribedIds = []; }
})();

beforeAll(async () => {
  cluster = await TestRedisCluster.start({ masters: 3, replicas: 1, nodeTimeoutMs: 1000 });
  const seeds = cluster.nodes.map((n) => ({ host: "127.0.0.1", port: n.port }));
  pub = new Cluster(seeds, { redisOptions: { commandTimeout: 500 } });
  sub = new Cluster(seeds, { redisOptions: { commandTimeout: 500 } });
  for (const c of [pub, sub]) c.on("error", () => undefined);
  await Promise.all([pub.ping(), sub.ping()]);
  feed = new RedisFeed(sub, keys, pino({ level: process.env.ROOMHISTORY_TEST_LOG ?? "silent" }));
  feed.setListener(log);
}, 60_000);
afterAll(async () => {
  await feed?.close();
  pub?.disconnect();
  sub?.disconnect();
  await cluster?.stop();
});
afterEach(async () => {
  await cluster.waitHealthy(30_000); // the next case starts from a cluster that agrees again
  log.reset();
});

function payload(roomId: string, v: number): string {
  return JSON.stringify({ r: roomId, v, pv: v - 1, k: "append", t: 0, o: 0, e: [] });
}

/** Publishes until the feed has the version: after a failover the publisher's first tries may fail. */
async function publishUntilSeen(roomId: string, v: number, timeoutMs = 15_000): Promise<void> {
  await waitFor(async () => {
    // A timeout does not make ioredis re-read the slot map (a MOVED would): after a freeze, ask for it.
    await pub.spublish(keys.room(roomId).channel, payload(roomId, v)).catch(() => pub.refreshSlotsCache());
    await new Promise((r) => setTimeout(r, 50));
    return log.changes.some((c) => c.roomId === roomId && c.version === v);
  }, timeoutMs, `room ${roomId} version ${v} through the feed`);
}

async function subscribedOn(roomId: string): Promise<string> {
  const channel = keys.room(roomId).channel;
  const { master } = await cluster.shardOf(channel);
  const c = master.client();
  try {
    const [, n] = (await c.call("PUBSUB", "SHARDNUMSUB", channel)) as [string, number];
    return n === 1 ? master.address : "nowhere";
  } finally {
    c.disconnect();
  }
}

it("follows a graceful failover (CLUSTER FAILOVER on the replica)", async () => {
  const room = "graceful";
  await feed.subscribe(room);
  await publishUntilSeen(room, 1);
  const { master, replicas } = await cluster.shardOf(keys.room(room).channel);
  const started = Date.now();
  await replicas[0].client().call("CLUSTER", "FAILOVER");
  await waitFor(() => log.resubscribedIds.includes(room), 15_000, "the subscription restored");
  const restoredMs = Date.now() - started;
  expect(log.unconfirmedIds).toContain(room);
  await publishUntilSeen(room, 2);
  expect(await subscribedOn(room)).toBe(replicas[0].address);
  expect((await cluster.shardOf(keys.room(room).channel)).master.address).not.toBe(master.address);
  console.log(`graceful failover: feed restored in ${restoredMs} ms`);
});

it("follows the replica's takeover after its master is killed (SIGKILL)", async () => {
  const room = "killed";
  await feed.subscribe(room);
  await publishUntilSeen(room, 1);
  const { master, replicas } = await cluster.shardOf(keys.room(room).channel);
  const started = Date.now();
  await master.kill();
  try {
    await waitFor(() => log.unconfirmedIds.includes(room), 5_000, "the subscription put in doubt");
    await waitFor(() => log.resubscribedIds.includes(room), 20_000, "the subscription restored");
    const restoredMs = Date.now() - started;
    await publishUntilSeen(room, 2);
    expect(await subscribedOn(room)).toBe(replicas[0].address);
    console.log(`SIGKILL failover: feed restored in ${restoredMs} ms`);
  } finally {
    await master.launch(); // back with its nodes.conf: it rejoins as the new master's replica
  }
});

it("notices a frozen master (SIGSTOP) and follows its replica's takeover", async () => {
  const room = "frozen";
  await feed.subscribe(room);
  await publishUntilSeen(room, 1);
  const { master, replicas } = await cluster.shardOf(keys.room(room).channel);
  const started = Date.now();
  master.freeze();
  try {
    await waitFor(() => log.unconfirmedIds.includes(room), 10_000, "the frozen subscription put in doubt");
    const doubtMs = Date.now() - started;
    await waitFor(() => log.resubscribedIds.includes(room), 30_000, "the subscription restored");
    const restoredMs = Date.now() - started;
    await publishUntilSeen(room, 2);
    expect(await subscribedOn(room)).toBe(replicas[0].address);
    console.log(`SIGSTOP failover: in doubt after ${doubtMs} ms, restored in ${restoredMs} ms`);
  } finally {
    master.thaw();
  }
});

it("computes a channel's slot as Redis does (hash tags, UTF-8, none)", async () => {
  const { keySlot } = await import("../../src/store/redis/slot.js");
  const names = [keys.room("graceful").channel, "plain", "{}empty-tag", "a{b}c{d}", "{ünï}x", "rhtest:{room:1/2#x}:changes"];
  for (const name of names) expect(keySlot(name), name).toBe(Number(await pub.call("CLUSTER", "KEYSLOT", name)));
});

it("follows a slot migration (resharding moves the room's slot to another master)", async () => {
  const { keySlot } = await import("../../src/store/redis/slot.js");
  const room = "migrated";
  await feed.subscribe(room);
  await publishUntilSeen(room, 1);
  const channel = keys.room(room).channel;
  const slot = keySlot(channel);
  const { master } = await cluster.shardOf(channel);
  const others = await Promise.all(cluster.nodes.filter((n) => n !== master).map(async (n) => {
    const c = n.client();
    const role = String(await c.call("ROLE").then((r) => (r as string[])[0]));
    c.disconnect();
    return role === "master" ? n : undefined;
  }));
  const target = others.find((n) => n !== undefined)!;
  const [src, dst] = [master.client(), target.client()];
  try {
    const [srcId, dstId] = await Promise.all([src.call("CLUSTER", "MYID"), dst.call("CLUSTER", "MYID")]);
    await dst.call("CLUSTER", "SETSLOT", slot, "IMPORTING", String(srcId));
    await src.call("CLUSTER", "SETSLOT", slot, "MIGRATING", String(dstId));
    // The slot holds no keys (this feed test only publishes), so nothing needs MIGRATE.
    await dst.call("CLUSTER", "SETSLOT", slot, "NODE", String(dstId));
    await src.call("CLUSTER", "SETSLOT", slot, "NODE", String(dstId));
    await waitFor(() => log.resubscribedIds.includes(room), 15_000, "the subscription restored");
    await publishUntilSeen(room, 2);
    expect(await subscribedOn(room)).toBe(target.address);
  } finally {
    src.disconnect();
    dst.disconnect();
  }
});
