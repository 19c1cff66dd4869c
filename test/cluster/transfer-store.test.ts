/**
 * Export and import (issue 12) on a Redis Cluster: export-room-5.lua and import-room-5.lua touch only
 * the room's five keys (one slot), and the index updates that follow an import go to the index slot,
 * for rooms spread over every node of a 3-master cluster.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { Cluster } from "ioredis";
import pino from "pino";
import { RedisStore } from "../../src/store/redis/redis-store.js";
import { TestRedisCluster } from "../helpers/redis.js";
import { uniquePrefix } from "../helpers/server.js";

let cluster: TestRedisCluster;
const clients: Cluster[] = [];
const ROOMS = Array.from({ length: 12 }, (_, i) => `xfer-room-${i}`);

beforeAll(async () => {
  cluster = await TestRedisCluster.start(3);
}, 60_000);
afterAll(async () => {
  clients.forEach((c) => c.disconnect());
  await cluster?.stop();
});

function store(): RedisStore {
  const seeds = cluster.seeds.split(",").map((s) => ({ host: "127.0.0.1", port: Number(s.split(":")[1]) }));
  const client = new Cluster(seeds);
  clients.push(client);
  return new RedisStore(client, {
    defaultLimit: 50, ttlSeconds: 0, maxEventBytes: 64 * 1024, prefix: uniquePrefix("xc"), hashTag: true,
    logger: pino({ level: "silent" }),
  });
}

it("exports rooms from one prefix and imports them into another: the same windows, archives and cursors", async () => {
  const [source, target] = [store(), store()];
  for (const roomId of ROOMS) {
    await source.setAgentOptions(roomId, { maxContextTokens: 0, compactionThreshold: 0.8, outputKeys: [], archiveTrimmed: true });
    for (let i = 0; i < 53; i++) await source.append(roomId, [{ role: "user", content: `${roomId} ${i}`, id: `${roomId}-${i}`, tk: 2 }]);
    await source.updateRunCursor(roomId, "run", { nextSeq: 9, values: { k: roomId } });
  }
  for (const roomId of ROOMS) {
    const data = (await source.exportRoom(roomId))!;
    expect(data.archive).toHaveLength(3);
    expect(await target.importRoom(data, { replaceExisting: false })).toEqual({ version: data.version, replaced: false });
    expect((await target.read(roomId)).entries).toEqual((await source.read(roomId)).entries);
    expect(await target.exportRoom(roomId)).toEqual(data);
    expect((await target.append(roomId, [{ role: "user", content: "next" }])).entries[0].seq).toBe(54);
  }
  expect((await target.listRooms(100)).roomIds).toEqual([...ROOMS].sort());
}, 60_000);
