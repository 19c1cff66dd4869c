import { afterAll, beforeAll, expect, it } from "vitest";
import { Cluster } from "ioredis";
import { TestRedisCluster } from "../helpers/redis.js";
import { startTestServer, uniquePrefix, type TestServer } from "../helpers/server.js";
import { rpc, user } from "../helpers/rpc.js";
import { WatchRecorder } from "../helpers/watch.js";

let cluster: TestRedisCluster;
let a: TestServer;
let b: TestServer;
const prefix = uniquePrefix("cluster");
const ROOMS = Array.from({ length: 12 }, (_, i) => `room-${i}`);

beforeAll(async () => {
  cluster = await TestRedisCluster.start(3);
  const env = { ROOMHISTORY_REDIS_CLUSTER: cluster.seeds, ROOMHISTORY_KEY_PREFIX: prefix };
  [a, b] = await Promise.all([startTestServer(env), startTestServer(env)]);
}, 60_000);
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await cluster?.stop();
});

it("spreads rooms over the cluster's slots, one slot per room", async () => {
  const seeds = cluster.seeds.split(",").map((s) => ({ host: "127.0.0.1", port: Number(s.split(":")[1]) }));
  const c = new Cluster(seeds);
  try {
    const api = rpc(a.client);
    for (const room of ROOMS) await api.append({ roomId: room, messages: [user(`hello ${room}`)] });
    const slots = new Set<number>();
    for (const room of ROOMS) {
      const keySlots = await Promise.all(["", ":ver", ":meta"].map((k) => c.call("CLUSTER", "KEYSLOT", `${prefix}:{${room}}${k}`)));
      expect(new Set(keySlots).size).toBe(1);
      slots.add(keySlots[0] as number);
    }
    const owners = new Set(await Promise.all([...slots].map(async (slot) => {
      const ranges = (await c.call("CLUSTER", "SLOTS")) as [number, number, [string, number]][];
      return ranges.find(([lo, hi]) => slot >= lo && slot <= hi)![2][1];
    })));
    expect(owners.size, "rooms live on more than one node").toBeGreaterThan(1);
  } finally {
    c.disconnect();
  }
});

it("runs every operation and delivers changes of rooms on every node to a watcher on another replica", async () => {
  const w = new WatchRecorder(b.client, { rooms: ROOMS.map((roomId) => ({ roomId, knownVersion: 1 })) });
  await w.until((x) => x.responses.length >= 1);
  const api = rpc(a.client);
  for (const room of ROOMS) {
    await api.append({ roomId: room, messages: [user("second", { id: `${room}-m2` })], expectedVersion: 1 });
    await api.reactions({ roomId: room, messageId: `${room}-m2`, reactions: [{ emoji: "👍", count: 1 }] });
  }
  await w.until((x) => x.changes.length >= ROOMS.length * 2);
  for (const room of ROOMS) {
    expect(w.changes.filter((c) => c.roomId === room).map((c) => c.version)).toEqual([2, 3]);
    const h = await api.history({ roomId: room });
    expect(h.messages.map((m) => m.content)).toEqual([`hello ${room}`, "second"]);
  }
  await api.setLimit({ roomId: ROOMS[0], limit: 60 });
  await api.clear({ roomId: ROOMS[1] });
  expect((await api.info({ roomId: ROOMS[1] })).version).toBe(4);
  const listed = await api.listRooms({ pageSize: 100 });
  expect(listed.roomIds).toEqual([...ROOMS].sort());
  w.cancel();
});
