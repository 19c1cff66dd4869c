import { afterAll, beforeAll, expect, it } from "vitest";
import { Cluster } from "ioredis";
import pino from "pino";
import { TestRedisCluster } from "../helpers/redis.js";
import { uniquePrefix } from "../helpers/server.js";
import { waitFor } from "../helpers/ports.js";
import { KeySpace } from "../../src/store/keys.js";
import { RedisStore } from "../../src/store/redis/redis-store.js";
import type { RoomAnnouncement } from "../../src/store/store.js";
import type { Entry } from "../../src/domain/entry.js";

/**
 * Room announcements on a 3 × (master + replica) cluster: append-6.lua PUBLISHes on the room's own
 * master, the cluster bus relays it to the node the feed's announcement connection sits on, and a
 * SIGKILLed announcement node makes the feed say announcements may have been missed, then resume.
 */
let cluster: TestRedisCluster;
let client: Cluster;
let store: RedisStore;
const prefix = uniquePrefix("annc");
const keys = new KeySpace({ prefix, hashTag: true });
const heard: RoomAnnouncement[] = [];
let resumed = 0;

beforeAll(async () => {
  cluster = await TestRedisCluster.start({ masters: 3, replicas: 1, nodeTimeoutMs: 1000 });
  const seeds = cluster.nodes.map((n) => ({ host: "127.0.0.1", port: n.port }));
  client = new Cluster(seeds, { redisOptions: { commandTimeout: 500 } });
  client.on("error", () => undefined);
  store = new RedisStore(client, {
    defaultLimit: 50, ttlSeconds: 0, maxEventBytes: 64 * 1024, prefix, hashTag: true,
    logger: pino({ level: process.env.ROOMHISTORY_TEST_LOG ?? "silent" }),
  });
  store.feed.setListener({
    change: () => undefined, resubscribed: () => undefined,
    announced: (a) => heard.push(a), announcementsResumed: () => resumed++,
  });
  await store.feed.followAnnouncements();
}, 60_000);
afterAll(async () => {
  await store?.close();
  await cluster?.stop();
});

/** The address of the node whose plain pub/sub has the feed's announcement subscriber. */
async function announcementNode(): Promise<string> {
  for (const n of cluster.nodes) {
    const c = n.client();
    c.on("error", () => undefined); // a killed node refuses: it has no subscriber
    try {
      const [, count] = (await c.call("PUBSUB", "NUMSUB", keys.announceChannel()).catch(() => ["", 0])) as [string, number];
      if (Number(count) > 0) return n.address;
    } finally {
      c.disconnect();
    }
  }
  return "nowhere";
}

let n = 0;
const entry = (text: string): Entry => ({ role: "user", content: text, id: `c-${++n}` });

/** A room id whose keys live on a master other than `address`. */
async function roomNotOn(address: string, tag: string): Promise<string> {
  for (let i = 0; ; i++) {
    const room = `${tag}-${i}`;
    if ((await cluster.shardOf(keys.room(room).meta)).master.address !== address) return room;
  }
}

/** Creates rooms (retrying through a failover) until one's announcement arrives. */
async function createUntilHeard(tag: string, timeoutMs = 20_000): Promise<string> {
  let n = 0;
  let seen = "";
  await waitFor(async () => {
    const room = `${tag}-${n++}`;
    await store.append(room, [entry("hi")]).catch(() => client.refreshSlotsCache());
    await store.feed.barrier().catch(() => undefined);
    const got = heard.find((a) => a.roomId.startsWith(`${tag}-`));
    seen = got?.roomId ?? "";
    return got !== undefined;
  }, timeoutMs, `an announcement of a room ${tag}-*`);
  return seen;
}

it("announces a room created on another node than the announcement connection's", async () => {
  const node = await announcementNode();
  expect(node).not.toBe("nowhere");
  const room = await roomNotOn(node, "far");
  await store.append(room, [entry("first")]);
  await store.append(room, [entry("second")]); // an ordinary write: no announcement
  await store.feed.barrier();
  await waitFor(() => heard.some((a) => a.roomId === room), 5000, "the announcement");
  expect(heard.filter((a) => a.roomId === room)).toEqual([{ roomId: room, version: 1, namespace: "", previousNamespace: "" }]);
}, 20_000);

it("a SIGKILLed announcement node: announcementsResumed fires and announcements resume", async () => {
  const node = await announcementNode();
  const before = resumed;
  await cluster.node(node).kill();
  await waitFor(() => resumed > before, 30_000, "announcementsResumed");
  expect(await announcementNode()).not.toBe(node);
  await createUntilHeard("after");
}, 60_000);
