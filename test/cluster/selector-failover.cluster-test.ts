/**
 * Prefix and namespace watches on a 3 × (master + replica) Redis Cluster, across a SIGKILL of the
 * master that carries the room announcements, under writes through another replica of the service
 * (`npm run test:cluster`). A raw WatchRooms stream on server A follows a prefix: per room, versions
 * only go up and each change's previous_version is the version before it, unless it is a RESYNC. A
 * RoomMirror on A holds the prefix and a namespace. Writers on server B append to existing rooms,
 * create new rooms in the prefix and move new rooms into the namespace, before, during and after the
 * failover. At the end every room any writer touched is in the mirror at the server's version with the
 * server's messages: nothing missed silently.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { ChangeKind, Role, RoomHistoryClient, RoomMirror } from "@roomhistory/client";
import { KeySpace } from "../../src/store/keys.js";
import { TestRedisCluster } from "../helpers/redis.js";
import { startTestServer, uniquePrefix, type TestServer } from "../helpers/server.js";
import { waitFor } from "../helpers/ports.js";

const NODE_TIMEOUT_MS = 1000;
const prefix = uniquePrefix("selfail");
const NS = "fleet";
let cluster: TestRedisCluster;
let a: TestServer;
let b: TestServer;

beforeAll(async () => {
  cluster = await TestRedisCluster.start({ masters: 3, replicas: 1, nodeTimeoutMs: NODE_TIMEOUT_MS });
  const env = {
    ROOMHISTORY_REDIS_CLUSTER: cluster.seeds, ROOMHISTORY_KEY_PREFIX: prefix, ROOMHISTORY_REDIS_COMMAND_TIMEOUT_MS: "500",
  };
  [a, b] = await Promise.all([startTestServer(env), startTestServer(env)]);
}, 60_000);
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await cluster?.stop();
});

const user = (content: string) => ({ role: Role.ROLE_USER, content });

/** Per room: the last version the raw stream delivered, and what broke the chain (if anything). */
function chainChecker() {
  const last = new Map<string, number>();
  const broken: string[] = [];
  return {
    last, broken,
    see(c: { roomId: string; version: number; previousVersion: number; kind: ChangeKind }) {
      const before = last.get(c.roomId) ?? 0;
      if (c.kind !== ChangeKind.CHANGE_KIND_RESYNC && (c.previousVersion !== before || c.version <= before)) {
        broken.push(`${c.roomId}: ${before} then ${c.previousVersion}→${c.version}`);
      }
      last.set(c.roomId, c.version);
    },
  };
}

/** Writes through B until `stop`: appends to `existing`, new rooms in the prefix, new rooms moved into NS. */
async function writers(client: RoomHistoryClient, existing: string[], touched: Set<string>, stop: () => boolean) {
  let i = 0;
  const attempt = async (fn: () => Promise<unknown>) => fn().catch(() => undefined); // UNAVAILABLE mid-failover
  while (!stop()) {
    i++;
    const room = existing[i % existing.length];
    await attempt(() => client.appendMessages({ roomId: room, messages: [user(`turn ${i}`)] }));
    if (i % 5 === 0) {
      const made = `sel/new-${i}`;
      touched.add(made);
      await attempt(() => client.appendMessages({ roomId: made, messages: [user("born")] }));
    }
    if (i % 7 === 0) {
      const moved = `other/ns-${i}`;
      touched.add(moved);
      await attempt(async () => {
        await client.appendMessages({ roomId: moved, messages: [user("before the move")] });
        await client.updateRoomMetadata({ roomId: moved, namespace: NS });
      });
    }
  }
}

it("misses no room and no change of a prefix or namespace watch across a failover", async () => {
  const onB = new RoomHistoryClient(b.address);
  const onA = new RoomHistoryClient(a.address);
  const existing = Array.from({ length: 6 }, (_, k) => `sel/room-${k}`);
  for (const room of existing) await onB.appendMessages({ roomId: room, messages: [user("first")] });
  const touched = new Set(existing);

  const chain = chainChecker();
  const raw = onA.watchRooms({ prefix: "sel/" });
  const reading = (async () => {
    for await (const change of raw) {
      chain.see(change);
      // A RESYNC to 0 (after a failover the same version may hold another history) says: read the room
      // again, as a client does (the stream's next change of it is a RESYNC).
      if (change.kind === ChangeKind.CHANGE_KIND_RESYNC && change.version === 0) {
        chain.last.set(change.roomId, (await onA.getRoomInfo({ roomId: change.roomId })).version);
      }
    }
  })();
  const mirror = new RoomMirror(onA, []);
  await mirror.followSelector({ prefix: "sel/" });
  await mirror.followSelector({ namespace: NS });
  expect(mirror.roomIds().sort()).toEqual([...existing].sort());

  let stopped = false;
  const writing = writers(onB, existing, touched, () => stopped);
  await waitFor(() => touched.size >= existing.length + 3, 20_000, "writes before the failover");
  const announcer = await cluster.shardOf(new KeySpace({ prefix, hashTag: true }).announceChannel());
  await announcer.master.kill();
  await cluster.waitHealthy(30_000);
  const after = touched.size;
  await waitFor(() => touched.size >= after + 4, 30_000, "writes after the failover");
  stopped = true;
  await writing;

  // Every room a writer touched and the server has, at the server's version and messages, in the mirror.
  const expected = new Map<string, { version: number; contents: string[] }>();
  for (const room of touched) {
    const h = await onB.getHistory({ roomId: room });
    if (h.version === 0) continue; // its creating append failed in the failover
    const info = await onB.getRoomInfo({ roomId: room });
    if (!room.startsWith("sel/") && info.metadata?.namespace !== NS) continue; // the move failed
    expected.set(room, { version: h.version, contents: h.messages.map((m) => m.content) });
  }
  const behind = () => [...expected].filter(([room, e]) => !mirror.roomIds().includes(room) || mirror.version(room) < e.version
    || (room.startsWith("sel/") && (chain.last.get(room) ?? 0) < e.version))
    .map(([room, e]) => `${room}: ${mirror.roomIds().includes(room) ? mirror.version(room) : "absent"}, raw ${chain.last.get(room)} < ${e.version}`);
  await waitFor(() => behind().length === 0, 60_000, "the mirror and the raw stream to reach every room's version")
    .catch(async (err: Error) => {
      const stream = (mirror as unknown as { stream: { cursor(id: string): number | undefined; reconnects: number } }).stream;
      const listed = (await onA.listRooms({ namespace: NS, pageSize: 1000 })).roomIds;
      const detail = behind().map((b) => `${b} (stream cursor ${stream.cursor(b.split(":")[0])}, listed ${listed.includes(b.split(":")[0])})`);
      throw new Error(`${err.message}: ${detail.join(", ")}; reconnects ${stream.reconnects}`);
    });
  for (const [room, e] of expected) {
    expect(mirror.version(room), room).toBe(e.version);
    expect((await mirror.getMessages(room)).map((m) => m.content), room).toEqual(e.contents);
    if (room.startsWith("sel/")) expect(chain.last.get(room), room).toBe(e.version);
  }
  expect(chain.broken).toEqual([]);
  expect([...expected.keys()].filter((r) => r.startsWith("sel/new-")).length).toBeGreaterThan(2);
  expect([...expected.keys()].filter((r) => r.startsWith("other/")).length).toBeGreaterThan(1);

  raw.close();
  await reading;
  mirror.close();
  onA.close();
  onB.close();
}, 150_000);
