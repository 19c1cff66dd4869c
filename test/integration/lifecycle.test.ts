/**
 * Issue 8, "versions only go up, expiry included" and "retries are safe", end to end through the
 * generated client: expiry and deletion are mutations (a change for every watcher, the version goes
 * on, seqs are never reused, the room leaves ListRooms), every mutation takes expected_version, and
 * an append retried with its idempotency key is stored once. Memory store and both Redis layouts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { status } from "@grpc/grpc-js";
import { ChangeKind } from "@roomhistory/client/gen/roomhistory/v1/change.js";
import { TestRedis } from "../helpers/redis.js";
import { startTestServer, uniquePrefix, type TestServer } from "../helpers/server.js";
import { expectStatus, rpc, user } from "../helpers/rpc.js";
import { WatchRecorder } from "../helpers/watch.js";

let redis: TestRedis;
beforeAll(async () => {
  redis = await TestRedis.start();
});
afterAll(async () => redis?.stop());

const LAYOUTS = [
  { name: "memory store", env: () => ({}) },
  { name: "redis, hash-tagged keys", env: () => ({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix("life") }) },
  {
    name: "redis, unbraced keys",
    env: () => ({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix("life"), ROOMHISTORY_KEY_HASHTAG: "false" }),
  },
];

describe.each(LAYOUTS)("room lifecycle ($name)", ({ env }) => {
  let server: TestServer;
  let api: ReturnType<typeof rpc>;
  beforeAll(async () => {
    server = await startTestServer({ ...env(), ROOMHISTORY_ROOM_TTL_SECONDS: "1", ROOMHISTORY_REAP_INTERVAL_MS: "200" });
    api = rpc(server.client);
  });
  afterAll(async () => server?.stop());

  it("expires an idle room as a mutation: watchers told, version and seqs go on, ListRooms drops it", async () => {
    const w = new WatchRecorder(server.client, { rooms: [{ roomId: "idle" }], progressIntervalMs: 100 });
    await w.until((x) => x.responses.length >= 1);
    await api.append({ roomId: "idle", messages: [user("a"), user("b")] });
    expect((await api.listRooms({})).roomIds).toContain("idle");
    await w.until((x) => x.changes.some((c) => c.kind === ChangeKind.CHANGE_KIND_EXPIRED), 5000);
    const expired = w.changes.find((c) => c.kind === ChangeKind.CHANGE_KIND_EXPIRED)!;
    expect(expired).toMatchObject({ roomId: "idle", previousVersion: 1, version: 2 });
    expect((await api.listRooms({})).roomIds).not.toContain("idle");
    const info = await api.info({ roomId: "idle" });
    expect(info).toMatchObject({ version: 2, exists: false, entryCount: 0 });

    const again = await api.append({ roomId: "idle", messages: [user("c")] });
    expect(again.version).toBe(3);
    expect(again.messages[0].seq).toBe(3);
    const h = await api.history({ roomId: "idle" });
    expect(h.messages.map((m) => m.content)).toEqual(["c"]);
    await w.until((x) => x.changes.length >= 3);
    expect(w.changes.map((c) => [c.previousVersion, c.version])).toEqual([[0, 1], [1, 2], [2, 3]]);
    w.cancel();
  });

  it("a write after the deadline expires the room first, even before the reaper runs", async () => {
    await api.setRetention({ roomId: "late", idleTtlSeconds: 1 });
    await api.append({ roomId: "late", messages: [user("old")] });
    await new Promise((r) => setTimeout(r, 1100)); // the retention is what is tested: it must pass
    const r = await api.append({ roomId: "late", messages: [user("new")] });
    expect(r.version).toBe(4); // retention 1, append 2, expired 3, append 4
    expect((await api.history({ roomId: "late" })).messages.map((m) => m.content)).toEqual(["new"]);
  });

  it("retention 0 keeps a room; ReapIdleRooms with max_idle reaps others, dry run first", async () => {
    const kept = await api.setRetention({ roomId: "kept", idleTtlSeconds: 0 });
    expect(kept).toMatchObject({ idleTtlSeconds: 0, retentionIsDefault: false });
    await api.append({ roomId: "kept", messages: [user("x")] });
    await api.setRetention({ roomId: "long", idleTtlSeconds: 3600 });
    await api.append({ roomId: "long", messages: [user("y")] });
    await new Promise((r) => setTimeout(r, 1100));
    const dry = await api.reap({ maxIdleSeconds: 1, dryRun: true });
    expect(dry.roomIds).toContain("long");
    expect(dry.roomIds).not.toContain("kept");
    expect((await api.info({ roomId: "long" })).exists).toBe(true);
    const reaped = await api.reap({ maxIdleSeconds: 1 });
    expect(reaped.roomIds).toContain("long");
    expect(reaped.count).toBe(reaped.roomIds.length);
    expect(await api.info({ roomId: "long" })).toMatchObject({ exists: false, version: 3 });
    expect(await api.info({ roomId: "kept" })).toMatchObject({ exists: true, idleTtlSeconds: 0 });
    const back = await api.setRetention({ roomId: "kept" });
    expect(back).toMatchObject({ retentionIsDefault: true, idleTtlSeconds: 1 });
  });

  it("deletes a room, keeps its version as a tombstone, and tells watchers", async () => {
    await api.setRetention({ roomId: "gone", idleTtlSeconds: 0 });
    await api.append({ roomId: "gone", messages: [user("a")] });
    const w = new WatchRecorder(server.client, { rooms: [{ roomId: "gone", knownVersion: 2 }] });
    await w.until((x) => x.responses.length >= 1);
    await expectStatus(api.deleteRoom({ roomId: "gone", expectedVersion: 1 }), status.ABORTED);
    expect(await api.deleteRoom({ roomId: "gone", expectedVersion: 2 })).toEqual({ version: 3, deleted: true });
    await w.until((x) => x.changes.length >= 1);
    expect(w.changes[0]).toMatchObject({ kind: ChangeKind.CHANGE_KIND_DELETED, previousVersion: 2, version: 3 });
    expect(await api.deleteRoom({ roomId: "gone" })).toEqual({ version: 3, deleted: false });
    expect((await api.listRooms({})).roomIds).not.toContain("gone");
    const r = await api.append({ roomId: "gone", messages: [user("b")], expectedVersion: 3 });
    expect(r.version).toBe(4);
    expect(r.messages[0].seq).toBe(2);
    expect(await api.info({ roomId: "gone" })).toMatchObject({ exists: true, idleTtlSeconds: 1, retentionIsDefault: true });
    w.cancel();
  });

  it("checks expected_version on every mutation, with the current version in the error", async () => {
    const { version, messages } = await api.append({ roomId: "cas", messages: [user("a")] });
    const id = messages[0].id;
    const stale = { roomId: "cas", expectedVersion: version + 5 };
    // Thunks: each call starts only when awaited, so no rejection waits unobserved.
    const calls = [
      () => api.update({ ...stale, messageId: id, content: "x" }),
      () => api.markDeleted({ ...stale, messageId: id }),
      () => api.reactions({ ...stale, messageId: id, reactions: [{ emoji: "👍" }] }),
      () => api.clear(stale),
      () => api.setLimit({ ...stale, limit: 60 }),
      () => api.discardRebackfill(stale),
      () => api.deleteRoom(stale),
      () => api.setRetention({ ...stale, idleTtlSeconds: 60 }),
      () => api.append({ ...stale, messages: [user("b")] }),
    ];
    for (const call of calls) {
      const { info } = await expectStatus(call(), status.ABORTED);
      expect(info?.metadata.current_version).toBe(String(version));
    }
    expect((await api.info({ roomId: "cas" })).version).toBe(version);
  });

  it("stores an append once when it is retried with its idempotency key, even concurrently", async () => {
    const req = { roomId: "retry", messages: [user("once"), user("twice?")], idempotencyKey: "k-1" };
    const [a, b] = await Promise.all([api.append(req), api.append(req)]);
    const c = await api.append(req);
    expect([a.replayed, b.replayed].sort()).toEqual([false, true]);
    expect(c.replayed).toBe(true);
    for (const r of [b, c]) {
      expect(r.version).toBe(a.version);
      expect(r.messages.map((m) => [m.id, m.seq, m.createdAt])).toEqual(a.messages.map((m) => [m.id, m.seq, m.createdAt]));
    }
    expect((await api.history({ roomId: "retry" })).messages).toHaveLength(2);
    const { err } = await expectStatus(api.append({ ...req, messages: [user("other")] }), status.INVALID_ARGUMENT);
    expect(err.details).toMatch(/^idempotency_key: /);
    await expectStatus(api.append({ ...req, idempotencyKey: "no spaces" }), status.INVALID_ARGUMENT);
  });
});

describe("rooms stay apart in the unbraced layout", () => {
  let server: TestServer;
  let api: ReturnType<typeof rpc>;
  const prefix = uniquePrefix("apart");
  beforeAll(async () => {
    server = await startTestServer({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: prefix, ROOMHISTORY_KEY_HASHTAG: "false" });
    api = rpc(server.client);
  });
  afterAll(async () => server?.stop());

  it("rejects ids that would name another room's keys, and changes nothing", async () => {
    await api.append({ roomId: "x", messages: [user("a"), user("b")] });
    for (const roomId of ["x:ver", "x:meta", "x:changes", "x:idem:k", "a:ver:b"]) {
      const { err } = await expectStatus(api.clear({ roomId }), status.INVALID_ARGUMENT);
      expect(err.details).toMatch(/^room_id: /);
      await expectStatus(api.append({ roomId, messages: [user("c")] }), status.INVALID_ARGUMENT);
    }
    const h = await api.history({ roomId: "x" });
    expect([h.version, h.messages.length]).toEqual([1, 2]);
    // Colons elsewhere, and a reserved word as the first segment, name no other room's key.
    expect((await api.append({ roomId: "discord:123:thread", messages: [user("ok")] })).version).toBe(1);
    expect((await api.append({ roomId: "meta", messages: [user("ok")] })).version).toBe(1);
  });

  it("lists only this layout's rooms", async () => {
    const braced = await startTestServer({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: prefix });
    try {
      await rpc(braced.client).append({ roomId: "braced-only", messages: [user("z")] });
      expect((await rpc(braced.client).listRooms({})).roomIds).toEqual(["braced-only"]);
      expect((await api.listRooms({})).roomIds).not.toContain("braced-only");
    } finally {
      await braced.stop();
    }
  });
});

describe("several replicas reaping one Redis", () => {
  it("expire a room once: one EXPIRED change, one version step", async () => {
    const env = {
      ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix("reapers"),
      ROOMHISTORY_ROOM_TTL_SECONDS: "1", ROOMHISTORY_REAP_INTERVAL_MS: "50",
    };
    const servers = await Promise.all([startTestServer(env), startTestServer(env), startTestServer(env)]);
    try {
      const api = rpc(servers[0].client);
      const rooms = ["a", "b", "c", "d"];
      const w = new WatchRecorder(servers[1].client, { rooms: rooms.map((roomId) => ({ roomId })), progressIntervalMs: 100 });
      await w.until((x) => x.responses.length >= 1);
      for (const roomId of rooms) await api.append({ roomId, messages: [user("x")] });
      // Meanwhile all three replicas and an operator race to reap them.
      const manual = rpc(servers[2].client).reap({});
      await w.until((x) => x.changes.filter((c) => c.kind === ChangeKind.CHANGE_KIND_EXPIRED).length >= 4, 5000);
      await manual;
      await new Promise((r) => setTimeout(r, 300)); // a second EXPIRED, if any, would arrive now
      for (const roomId of rooms) {
        const mine = w.changes.filter((c) => c.roomId === roomId);
        expect(mine.map((c) => [c.kind, c.version])).toEqual([[ChangeKind.CHANGE_KIND_APPEND, 1], [ChangeKind.CHANGE_KIND_EXPIRED, 2]]);
      }
      expect((await api.listRooms({})).roomIds).toEqual([]);
      w.cancel();
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
    }
  });
});
