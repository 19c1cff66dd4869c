import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Redis } from "ioredis";
import { ChangeKind } from "@roomhistory/client/gen/roomhistory/v1/change.js";
import { SetAgentOptionsRequest } from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import { KeySpace } from "../../src/store/keys.js";
import { migrateLegacy, type MigrateOptions } from "../../src/tools/migrate-legacy.js";
import { TestRedis } from "../helpers/redis.js";
import { rpc, user } from "../helpers/rpc.js";
import { startTestServer, uniquePrefix, type TestServer } from "../helpers/server.js";
import { WatchRecorder } from "../helpers/watch.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** An entry exactly as the Python ConversationManager writes it: json.dumps({"role", "content"}). */
const py = (role: string, content: string) => JSON.stringify({ role, content }).replace(/":/g, '": ').replace(/,"/g, ', "');

let redis: TestRedis;
let raw: Redis;

beforeAll(async () => {
  redis = await TestRedis.start();
  raw = redis.client();
});
afterAll(async () => {
  raw?.disconnect();
  await redis?.stop();
});

/** Every key under the prefix with its type and value: what "changes nothing" compares. */
async function snapshot(prefix: string): Promise<Record<string, unknown>> {
  const keys = (await raw.keys(`${prefix}:*`)).sort();
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const type = await raw.type(key);
    if (type === "list") out[key] = await raw.lrange(key, 0, -1);
    else if (type === "string") out[key] = await raw.get(key);
    else if (type === "hash") out[key] = await raw.hgetall(key);
    else if (type === "zset") out[key] = await raw.zrange(key, 0, -1, "WITHSCORES");
    else out[key] = type;
  }
  return out;
}

function run(prefix: string, flags: Partial<MigrateOptions> = {}) {
  const lines: string[] = [];
  const counts = migrateLegacy({
    url: redis.url, prefix, dryRun: false, deleteSource: false, indexOnly: false, log: (l) => lines.push(l), ...flags,
  });
  return counts.then((c) => ({ ...c, lines }));
}

describe("migrate-legacy", () => {
  const prefix = uniquePrefix("migrate");
  const legacy = (room: string) => `${prefix}:${room}`;
  const braced = (room: string) => `${prefix}:{${room}}`;
  let tagged: TestServer;
  let unbraced: TestServer;

  beforeAll(async () => {
    const env = { ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: prefix };
    [tagged, unbraced] = await Promise.all([
      startTestServer(env), startTestServer({ ...env, ROOMHISTORY_KEY_HASHTAG: "false" }),
    ]);
    await raw.rpush(legacy("room-1"), py("user", "[Message ID: 1] ana: hi"), py("assistant", "hello ana"), py("user", "[Message ID: 2] ana: bye"));
    await raw.set(`${legacy("room-1")}:ver`, "7");
    await raw.set(`${legacy("cleared")}:ver`, "4"); // a legacy clear: the list is gone, the version stays
    await raw.rpush(legacy("conflict"), py("user", "legacy"));
    await raw.set(`${legacy("conflict")}:ver`, "2");
    await raw.rpush(legacy("identical"), py("user", "same"));
    await raw.set(`${legacy("identical")}:ver`, "3");
    await raw.rpush(braced("identical"), py("user", "same"));
    await raw.set(`${braced("identical")}:ver`, "9");
    await raw.rpush(legacy("bad room"), py("user", "an id the service rejects"));
    await raw.set(legacy("not-a-list"), "some other application's string");
    // A room an unbraced roomhistory server wrote: its seqs and its limit must survive the move.
    const u = rpc(unbraced.client);
    await u.append({ roomId: "served", messages: [user("s1"), user("s2")] });
    await u.setLimit({ roomId: "served", limit: 60 });
    await new Promise((resolve, reject) => unbraced.client.setAgentOptions(
      SetAgentOptionsRequest.fromPartial({ roomId: "served", maxContextTokens: 900, compactionThreshold: 0.5, outputKeys: ["k"], archiveTrimmed: true }),
      (e, r) => (e ? reject(e) : resolve(r))));
    // A room an unbraced server deleted: a tombstone (version and seq) that must move as one.
    await u.append({ roomId: "buried", messages: [user("b1"), user("b2"), user("b3")] });
    await u.deleteRoom({ roomId: "buried" });
    // Rooms of the hash-tagged layout are not legacy rooms, whatever their names look like.
    const t = rpc(tagged.client);
    await t.append({ roomId: "conflict", messages: [user("tagged")] });
    await t.append({ roomId: "tagged-only", messages: [user("mine")] });
  });
  afterAll(async () => Promise.all([tagged?.stop(), unbraced?.stop()]));

  it("--dry-run reports what it would do and changes nothing", async () => {
    const before = await snapshot(prefix);
    const c = await run(prefix, { dryRun: true });
    expect(c).toMatchObject({ found: 8, migrated: 4, already: 1, conflicts: 1, skipped: 2 });
    expect(c.lines).toContain('would migrate "room-1": 3 entries, version 8');
    expect(c.lines).toContain('skipped "not-a-list": its keys have the wrong type (not a room)');
    expect(await snapshot(prefix)).toEqual(before);
  });

  it("moves legacy rooms with versions above both copies', and watchers hear of it at the next change", async () => {
    const w = new WatchRecorder(tagged.client, { rooms: [{ roomId: "room-1" }] });
    await w.until((x) => x.responses.length >= 1);
    expect(w.responses[0].created?.rooms[0].version).toBe(0);

    const c = await run(prefix);
    expect(c).toMatchObject({ found: 8, migrated: 4, already: 1, conflicts: 1, skipped: 2, deleted: 0 });
    expect(c.lines.find((l) => l.startsWith('skipped "conflict"'))).toContain("already holds other history");
    expect(c.lines).toContain('skipped "bad room": not a room id the service accepts');

    const api = rpc(tagged.client);
    const h = await api.history({ roomId: "room-1" });
    expect(h.version).toBe(8);
    expect(h.messages.map((m) => [m.id, m.content])).toEqual([
      ["1", "[Message ID: 1] ana: hi"], ["", "hello ana"], ["2", "[Message ID: 2] ana: bye"],
    ]);
    expect(await api.history({ roomId: "cleared" })).toMatchObject({ version: 5, messages: [] });
    expect((await api.history({ roomId: "conflict" })).messages.map((m) => m.content)).toEqual(["tagged"]);
    expect((await api.history({ roomId: "identical" })).version).toBe(9);

    const meta = await raw.hgetall(`${braced("room-1")}:meta`);
    expect(meta).toMatchObject({ seq: "0", n: "3", len: "3" });
    expect(meta.epoch).toMatch(/^\d+\.\d+$/);
    expect(Math.abs(Number(meta.upd_ms) - Date.now())).toBeLessThan(60_000);
    expect(Date.parse(meta.updated_at)).toBeGreaterThan(Date.now() - 60_000);

    const listed = (await api.listRooms({ pageSize: 100 })).roomIds;
    expect(listed).toEqual(expect.arrayContaining(["room-1", "cleared", "served", "conflict", "tagged-only"]));
    expect(listed).not.toContain("buried");
    const tagKeys = new KeySpace({ prefix, hashTag: true });
    expect(Number(await raw.zscore(tagKeys.activityIndex(), "room-1"))).toBe(Number(meta.upd_ms));

    // Nothing was published: the watcher learns of the move with the room's next change, as a RESYNC.
    await api.append({ roomId: "room-1", messages: [user("after the move")] });
    await w.until((x) => x.changes.length >= 1);
    expect(w.changes[0]).toMatchObject({ kind: ChangeKind.CHANGE_KIND_RESYNC, previousVersion: 0, version: 9 });
    w.cancel();
  });

  it("keeps an unbraced server's seqs and limit, and its deleted rooms' versions and seqs", async () => {
    const api = rpc(tagged.client);
    const info = await api.info({ roomId: "served" });
    expect(info.limit).toBe(60);
    // Its agent options too, and its token total is counted from the moved entries.
    const tokens = (await api.history({ roomId: "served" })).messages.reduce((n, m) => n + m.tokens, 0);
    expect(info).toMatchObject({ maxContextTokens: 900, compactionThreshold: 0.5, outputKeys: ["k"], archiveTrimmed: true, tokenCount: tokens });
    expect(tokens).toBeGreaterThan(0);
    const r = await api.append({ roomId: "served", messages: [user("s3")] });
    expect(r.messages[0].seq).toBe(3);
    // The script-kept total (meta `tok`) the move counted goes on from there.
    const total = (await api.history({ roomId: "served" })).messages.reduce((n, m) => n + m.tokens, 0);
    expect(Number(await raw.hget(`${braced("served")}:meta`, "tok"))).toBe(total);
    expect(await api.history({ roomId: "buried" })).toMatchObject({ version: 3, messages: [] });
    const revived = await api.append({ roomId: "buried", messages: [user("b4")] });
    expect({ version: revived.version, seq: revived.messages[0].seq }).toEqual({ version: 4, seq: 4 });
  });

  it("is idempotent: a second run moves nothing", async () => {
    const before = await snapshot(prefix);
    const c = await run(prefix);
    expect(c).toMatchObject({ found: 8, migrated: 0, already: 5, conflicts: 1, skipped: 2 });
    expect(await snapshot(prefix)).toEqual(before);
  });

  it("neither revives a moved room deleted since nor overwrites one a legacy writer wrote after the move", async () => {
    const api = rpc(tagged.client);
    await api.deleteRoom({ roomId: "cleared" });
    await raw.rpush(legacy("identical"), py("assistant", "a legacy worker still writes"));
    await raw.incr(`${legacy("identical")}:ver`);
    const c = await run(prefix);
    expect(c).toMatchObject({ migrated: 0, already: 4, conflicts: 2 });
    expect(c.lines.find((l) => l.startsWith('skipped "identical"'))).toContain("changed after an earlier run moved it");
    expect((await api.listRooms({ pageSize: 100 })).roomIds).not.toContain("cleared");
    expect((await api.history({ roomId: "identical" })).messages.map((m) => m.content)).toEqual(["same"]);
  });

  it("--delete-source removes the legacy keys of moved rooms only", async () => {
    const plain = new KeySpace({ prefix, hashTag: false });
    expect(await raw.zscore(plain.activityIndex(), "served")).not.toBeNull();
    const c = await run(prefix, { deleteSource: true });
    expect(c).toMatchObject({ migrated: 0, already: 4, conflicts: 2, deleted: 4 });
    expect(await raw.lrange(legacy("identical"), 0, -1)).toHaveLength(2);
    for (const room of ["room-1", "cleared", "served"]) {
      expect(await raw.exists(legacy(room), `${legacy(room)}:ver`, `${legacy(room)}:meta`)).toBe(0);
    }
    expect(await raw.lrange(legacy("conflict"), 0, -1)).toEqual([py("user", "legacy")]);
    expect((await rpc(unbraced.client).listRooms({ pageSize: 100 })).roomIds).not.toContain("served");
    expect(await raw.zscore(plain.activityIndex(), "served")).toBeNull();
    expect(await run(prefix)).toMatchObject({ found: 4, migrated: 0, already: 0, conflicts: 2, skipped: 2 });
  });
});

describe("migrate-legacy --index-only", () => {
  const prefix = uniquePrefix("index");
  let unbraced: TestServer;

  beforeAll(async () => {
    unbraced = await startTestServer({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: prefix, ROOMHISTORY_KEY_HASHTAG: "false" });
    await raw.rpush(`${prefix}:old-1`, py("user", "hi"));
    await raw.set(`${prefix}:old-1:ver`, "1");
    await raw.set(`${prefix}:old-2:ver`, "6");
  });
  afterAll(async () => unbraced?.stop());

  it("lists legacy rooms for a server in the unbraced layout and moves nothing", async () => {
    const api = rpc(unbraced.client);
    expect((await api.listRooms({ pageSize: 100 })).roomIds).toEqual([]);
    const before = await snapshot(prefix);
    expect(await run(prefix, { indexOnly: true, dryRun: true })).toMatchObject({ found: 2, indexed: 2 });
    expect(await snapshot(prefix)).toEqual(before);

    expect(await run(prefix, { indexOnly: true })).toMatchObject({ found: 2, indexed: 2, migrated: 0 });
    expect((await api.listRooms({ pageSize: 100 })).roomIds).toEqual(["old-1", "old-2"]);
    expect(await raw.exists(`${prefix}:{old-1}`)).toBe(0);
    expect(await run(prefix, { indexOnly: true })).toMatchObject({ found: 2, indexed: 0 });
  });

  it("runs as npm run migrate-legacy, printing counts", async () => {
    const out = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(process.execPath, ["--import", "tsx", "src/tools/migrate-legacy.ts", "--dry-run"], {
        cwd: ROOT, env: { ...process.env, ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: prefix },
      }, (err, stdout) => resolve({ code: err ? Number(err.code) : 0, stdout }));
    });
    expect(out.code).toBe(0);
    expect(out.stdout).toContain("migrate-legacy: 2 legacy rooms: 2 would be migrated, 0 already migrated, 0 conflicts, 0 skipped (dry run: nothing written)");
  });
});
