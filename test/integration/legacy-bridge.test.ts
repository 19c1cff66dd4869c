import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Writable } from "node:stream";
import type { Redis } from "ioredis";
import pino from "pino";
import { ChangeKind } from "@roomhistory/client/gen/roomhistory/v1/change.js";
import { loadConfig } from "../../src/config.js";
import { LegacyBridge } from "../../src/store/redis/legacy-bridge.js";
import { TestRedis } from "../helpers/redis.js";
import { rpc, user } from "../helpers/rpc.js";
import { startTestServer, uniquePrefix, type TestServer } from "../helpers/server.js";
import { WatchRecorder } from "../helpers/watch.js";

/** An entry exactly as the Python ConversationManager writes it: json.dumps({"role", "content"}). */
const py = (role: string, content: string) => JSON.stringify({ role, content }).replace(/":/g, '": ').replace(/,"/g, ', "');

let redis: TestRedis;
let raw: Redis;

beforeAll(async () => {
  redis = await TestRedis.start(["--notify-keyspace-events", "KA"]);
  raw = redis.client();
});
afterAll(async () => {
  raw?.disconnect();
  await redis?.stop();
});

const resyncs = (w: WatchRecorder, roomId: string) =>
  w.changes.filter((c) => c.roomId === roomId && c.kind === ChangeKind.CHANGE_KIND_RESYNC);

describe.each([
  { layout: "legacy unbraced keys", hashTag: "false", key: (p: string, r: string) => `${p}:${r}` },
  { layout: "hash-tagged keys", hashTag: "true", key: (p: string, r: string) => `${p}:{${r}}` },
])("legacy bridge ($layout)", ({ hashTag, key }) => {
  const prefix = uniquePrefix("bridge");
  let a: TestServer;
  let b: TestServer;
  let api: ReturnType<typeof rpc>;

  beforeAll(async () => {
    const env = {
      ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: prefix, ROOMHISTORY_KEY_HASHTAG: hashTag,
      ROOMHISTORY_LEGACY_BRIDGE: "true",
    };
    [a, b] = await Promise.all([startTestServer(env), startTestServer(env)]);
    api = rpc(a.client);
  });
  afterAll(async () => Promise.all([a?.stop(), b?.stop()]));

  /** A watch from the room's current version, ready once `created` arrived. */
  async function watch(server: TestServer, roomIds: string[]): Promise<WatchRecorder> {
    const versions = await Promise.all(roomIds.map(async (roomId) => (await api.info({ roomId })).version));
    const w = new WatchRecorder(server.client, { rooms: roomIds.map((roomId, i) => ({ roomId, knownVersion: versions[i] })) });
    await w.until((x) => x.responses.length >= 1);
    return w;
  }

  it("turns a legacy append (RPUSH + INCR of :ver) into a RESYNC at the new version", async () => {
    await api.append({ roomId: "append", messages: [user("from the service")] });
    const w = await watch(b, ["append"]);
    await raw.rpush(key(prefix, "append"), py("user", "[Message ID: 9] from a legacy worker"));
    await raw.incr(`${key(prefix, "append")}:ver`);
    await w.until((x) => resyncs(x, "append").length >= 1);
    expect(resyncs(w, "append")).toEqual([expect.objectContaining({ version: 2, previousVersion: 1 })]);
    const h = await rpc(b.client).history({ roomId: "append" });
    expect(h.version).toBe(2);
    expect(h.messages.map((m) => m.content)).toEqual(["from the service", "[Message ID: 9] from a legacy worker"]);
    w.cancel();
  });

  it("sends no RESYNC for the service's own writes", async () => {
    const w = await watch(b, ["own", "marker"]);
    for (let i = 0; i < 5; i++) await api.append({ roomId: "own", messages: [user(`own ${i}`)] });
    await api.clear({ roomId: "own" });
    await api.update({ roomId: "own", messageId: "none", content: "x" }).catch(() => undefined);
    // A legacy write to another room on the same stream, after them: once its RESYNC is here, the
    // bridge has seen every notification of the writes before it.
    await raw.incr(`${key(prefix, "marker")}:ver`);
    await w.until((x) => resyncs(x, "marker").length >= 1);
    const own = w.changes.filter((c) => c.roomId === "own");
    expect(own.map((c) => c.kind)).toEqual([...Array(5).fill(ChangeKind.CHANGE_KIND_APPEND), ChangeKind.CHANGE_KIND_CLEAR]);
    w.cancel();
  });

  it("gives a legacy clear (DEL, no version bump) a version to fetch at, bumped once across replicas", async () => {
    await api.append({ roomId: "cleared", messages: [user("one"), user("two")] });
    const [wa, wb] = await Promise.all([watch(a, ["cleared"]), watch(b, ["cleared"])]);
    await raw.del(key(prefix, "cleared"));
    await Promise.all([wa, wb].map((w) => w.until((x) => resyncs(x, "cleared").length >= 1)));
    for (const w of [wa, wb]) expect(resyncs(w, "cleared")).toEqual([expect.objectContaining({ version: 2, previousVersion: 1 })]);
    const h = await api.history({ roomId: "cleared" });
    expect({ version: h.version, messages: h.messages.length }).toEqual({ version: 2, messages: 0 });
    // A service write after it continues from the bumped version, and both replicas' bridges bumped once.
    const r = await api.append({ roomId: "cleared", messages: [user("three")] });
    expect(r.version).toBe(3);
    await wa.until((x) => x.changes.length >= 2);
    expect(wa.changes[1]).toMatchObject({ kind: ChangeKind.CHANGE_KIND_APPEND, version: 3, previousVersion: 2 });
    wa.cancel();
    wb.cancel();
  });

  it("lists a room only a legacy writer wrote", async () => {
    const w = await watch(a, ["legacy-only"]);
    await raw.rpush(key(prefix, "legacy-only"), py("user", "hello"));
    await raw.incr(`${key(prefix, "legacy-only")}:ver`);
    await w.until((x) => resyncs(x, "legacy-only").length >= 1);
    const page = await api.listRooms({ pageSize: 100 });
    expect(page.roomIds).toContain("legacy-only");
    w.cancel();
  });

  it("re-reads watched versions after its connection was lost, when notifications were missed", async () => {
    const w = await watch(b, ["missed"]);
    // Every bridge connection (the pattern subscribers) is dropped; each reconnects after ~100 ms.
    const clients = (await raw.client("LIST")) as string;
    const ids = [...clients.matchAll(/^id=(\d+) .* psub=([1-9])/gm)].map((m) => m[1]);
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) await raw.client("KILL", "ID", id);
    await raw.rpush(key(prefix, "missed"), py("user", "while the bridge was away"));
    await raw.incr(`${key(prefix, "missed")}:ver`);
    await w.until((x) => resyncs(x, "missed").length >= 1);
    expect(resyncs(w, "missed")).toEqual([expect.objectContaining({ version: 1, previousVersion: 0 })]);
    w.cancel();
  });

  it("tells watchers of a legacy room whose keys expired (a legacy TTL), and stops listing it", async () => {
    await raw.rpush(key(prefix, "ttl"), py("user", "short-lived"));
    await raw.incr(`${key(prefix, "ttl")}:ver`);
    const w = await watch(a, ["ttl"]);
    expect(w.responses[0].created?.rooms[0].version).toBe(1);
    await raw.pexpire(key(prefix, "ttl"), 300);
    await raw.pexpire(`${key(prefix, "ttl")}:ver`, 300);
    await w.until((x) => resyncs(x, "ttl").length >= 1);
    expect(resyncs(w, "ttl")).toEqual([expect.objectContaining({ version: 0, previousVersion: 1 })]);
    expect((await api.listRooms({ pageSize: 100 })).roomIds).not.toContain("ttl");
    w.cancel();
  });

  it("does not list a room the service deleted, whatever notifications it sent", async () => {
    await api.append({ roomId: "deleted", messages: [user("bye")] });
    const w = await watch(a, ["deleted", "marker2"]);
    await api.deleteRoom({ roomId: "deleted" });
    await raw.incr(`${key(prefix, "marker2")}:ver`);
    await w.until((x) => resyncs(x, "marker2").length >= 1);
    expect((await api.listRooms({ pageSize: 100 })).roomIds).not.toContain("deleted");
    expect(resyncs(w, "deleted")).toEqual([]);
    w.cancel();
  });
});

describe("without the h class in notify-keyspace-events", () => {
  let other: TestRedis;
  let server: TestServer;
  const prefix = uniquePrefix("bridge-noh");

  beforeAll(async () => {
    other = await TestRedis.start(["--notify-keyspace-events", "Kgl$"]);
    server = await startTestServer({
      ROOMHISTORY_REDIS_URL: other.url, ROOMHISTORY_KEY_PREFIX: prefix, ROOMHISTORY_KEY_HASHTAG: "false",
      ROOMHISTORY_LEGACY_BRIDGE: "true",
    });
  });
  afterAll(async () => {
    await server?.stop();
    await other?.stop();
  });

  it("re-checks every write, and still sends no RESYNC for the service's own", async () => {
    const api = rpc(server.client);
    const w = new WatchRecorder(server.client, { rooms: [{ roomId: "own" }, { roomId: "marker" }] });
    await w.until((x) => x.responses.length >= 1);
    for (let i = 0; i < 20; i++) await api.append({ roomId: "own", messages: [user(`own ${i}`)] });
    const c = other.client();
    await c.incr(`${prefix}:marker:ver`);
    c.disconnect();
    await w.until((x) => resyncs(x, "marker").length >= 1);
    expect(w.changes.filter((ch) => ch.roomId === "own").every((ch) => ch.kind === ChangeKind.CHANGE_KIND_APPEND)).toBe(true);
    expect(w.changes.filter((ch) => ch.roomId === "own")).toHaveLength(20);
    w.cancel();
  });
});

describe("starting the bridge", () => {
  it("refuses Redis Cluster and a missing Redis URL at configuration time", () => {
    expect(() => loadConfig({ ROOMHISTORY_LEGACY_BRIDGE: "true", ROOMHISTORY_REDIS_CLUSTER: "127.0.0.1:7000" }))
      .toThrow(/node-local/);
    expect(() => loadConfig({ ROOMHISTORY_LEGACY_BRIDGE: "true" })).toThrow(/ROOMHISTORY_REDIS_URL/);
    expect(loadConfig({}).legacyBridge).toBe(false);
  });

  /** Starts a bridge on a redis-server started with `args`; returns its log, or the start error. */
  async function startOn(args: string[]): Promise<{ log: string; error?: Error }> {
    const server = await TestRedis.start(args);
    let log = "";
    const logger = pino({ level: "info" }, new Writable({ write: (chunk, _e, done) => { log += String(chunk); done(); } }));
    try {
      const bridge = await LegacyBridge.start({
        url: server.url, prefix: uniquePrefix("start"), hashTag: false, logger, acceptsRoomId: () => true,
        rooms: { recheck: async () => undefined, resubscribed: () => undefined },
      });
      await bridge.close();
      return { log };
    } catch (error) {
      return { log, error: error as Error };
    } finally {
      await server.stop();
    }
  }

  it("warns when notify-keyspace-events lacks what it needs", async () => {
    const { log } = await startOn([]);
    expect(log).toMatch(/notify-keyspace-events lacks/);
    expect(log).toContain('"missing":["K","g","l","$"]');
  });

  it("says what it needs when CONFIG GET is not allowed, and starts", async () => {
    const { log, error } = await startOn(["--notify-keyspace-events", "KA", "--rename-command", "CONFIG", ""]);
    expect(error).toBeUndefined();
    expect(log).toMatch(/cannot read notify-keyspace-events; it must include K, g, l and \$/);
  });

  it("refuses a cluster node named by ROOMHISTORY_REDIS_URL", async () => {
    const { error } = await startOn(["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"]);
    expect(error?.message).toMatch(/needs a single Redis.*node-local/);
  });
});
