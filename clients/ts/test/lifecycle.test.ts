/**
 * The TypeScript client against a real server (real redis-server) for what the edges issue added: safe
 * append retries (an idempotency key per call, the reply lost once), DeleteRoom, SetRoomRetention,
 * ReapIdleRooms, and mirrors converging after a deletion and an expiry.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { InterceptingCall, Metadata, status, type Interceptor } from "@grpc/grpc-js";
import {
  AppendMessagesRequest, ChangeKind, InvalidArgumentError, Role, RoomHistoryClient, RoomMirror, UnavailableError,
  VersionConflictError, type AppendMessagesResponse, type RoomChangedEvent,
} from "@roomhistory/client";
import { TestRedis } from "../../../test/helpers/redis.js";
import { startTestServer, uniquePrefix, type TestServer } from "../../../test/helpers/server.js";
import { waitFor } from "../../../test/helpers/ports.js";
import { expectMirrored } from "./compare.js";

let redis: TestRedis;
let server: TestServer;
let client: RoomHistoryClient;
const mirrors: RoomMirror[] = [];

beforeAll(async () => {
  redis = await TestRedis.start();
  // No reaping schedule: the tests reap with ReapIdleRooms, so what it answers is theirs to check.
  server = await startTestServer({
    ROOMHISTORY_REDIS_URL: redis.url,
    ROOMHISTORY_KEY_PREFIX: uniquePrefix("lifecycle"),
    ROOMHISTORY_REAP_INTERVAL_MS: "0",
  });
  client = new RoomHistoryClient(server.address);
});
afterEach(() => mirrors.splice(0).forEach((m) => m.close()));
afterAll(async () => {
  client?.close();
  await server?.stop();
  await redis?.stop();
});

function mirrorOf(c: RoomHistoryClient, rooms: string[]): { mirror: RoomMirror; events: RoomChangedEvent[] } {
  const mirror = new RoomMirror(c, rooms, { progressIntervalMs: 200 });
  const events: RoomChangedEvent[] = [];
  mirror.on("changed", (e) => events.push(e));
  mirrors.push(mirror);
  return { mirror, events };
}

const user = (content: string) => ({ role: Role.ROLE_USER, content });
let n = 0;
const room = () => `life-${++n}-${Math.random().toString(36).slice(2, 8)}`;

/**
 * An interceptor that lets the next `toLose` calls of `method` reach the server and then loses their
 * replies (`code` instead, UNAVAILABLE by default), as a connection cut after the write would; it records
 * every request sent and every reply lost.
 */
function replyLoser(method = "AppendMessages", code: status = status.UNAVAILABLE) {
  const state = { toLose: 0, sent: [] as { idempotencyKey?: string }[], lost: [] as AppendMessagesResponse[] };
  const interceptor: Interceptor = (options, nextCall) => {
    if (!options.method_definition.path.endsWith(`/${method}`)) return new InterceptingCall(nextCall(options));
    let lose = false;
    return new InterceptingCall(nextCall(options), {
      sendMessage(message: { idempotencyKey?: string }, next) {
        state.sent.push(message);
        lose = state.toLose > 0;
        if (lose) state.toLose--;
        next(message);
      },
      start(metadata, listener, next) {
        next(metadata, {
          onReceiveMessage(message: AppendMessagesResponse, nextMessage) {
            if (lose) state.lost.push(message);
            nextMessage(message); // held back, grpc-js would hold the status too; a failed status wins anyway
          },
          onReceiveStatus(st, nextStatus) {
            if (lose && st.code === status.OK) {
              nextStatus({ code, details: "injected: reply lost", metadata: new Metadata() });
            } else nextStatus(st);
          },
        });
      },
    });
  };
  const keys = () => state.sent.map((m) => m.idempotencyKey);
  return { state, keys, interceptor };
}

describe("appends are retried safely", () => {
  it("sends a new random key with every append unless given one", async () => {
    const { keys, interceptor } = replyLoser();
    const c = new RoomHistoryClient(server.address, { channelOptions: { interceptors: [interceptor] } });
    try {
      const id = room();
      await c.appendMessages({ roomId: id, messages: [user("a")] });
      await c.appendMessages({ roomId: id, messages: [user("b")] });
      await c.appendMessages({ roomId: id, messages: [user("c")], idempotencyKey: "mine-1" });
      const [k0, k1, k2] = keys();
      expect(k0).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(k1).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(k0).not.toBe(k1);
      expect(k2).toBe("mine-1");
    } finally {
      c.close();
    }
  });

  it.each([["UNAVAILABLE", status.UNAVAILABLE], ["DEADLINE_EXCEEDED", status.DEADLINE_EXCEEDED]] as const)(
    "an append whose reply was lost (%s) is retried with the same key and stored once",
    async (_, code) => {
      const { state, keys, interceptor } = replyLoser("AppendMessages", code);
      const c = new RoomHistoryClient(server.address, {
        channelOptions: { interceptors: [interceptor] }, backoff: { initialMs: 20 },
      });
      try {
        const id = room();
        await client.appendMessages({ roomId: id, messages: [user("before")] });
        state.toLose = 1;
        const res = await c.appendMessages({ roomId: id, messages: [user("once"), user("twice?")] });
        expect(keys()).toHaveLength(2);
        expect(keys()[1]).toBe(keys()[0]);
        const [first] = state.lost; // what the server answered the first time, which the caller never saw
        expect(res.replayed).toBe(true);
        expect(res.version).toBe(first.version);
        expect(res.messages.map((m) => [m.id, m.seq])).toEqual(first.messages.map((m) => [m.id, m.seq]));
        const history = await client.getHistory({ roomId: id });
        expect(history.version).toBe(2);
        expect(history.messages.map((m) => m.content)).toEqual(["before", "once", "twice?"]);
      } finally {
        c.close();
      }
    },
  );

  it("a full request without a key (idempotencyKey \"\") gets one too, and is retried with it", async () => {
    const { state, keys, interceptor } = replyLoser();
    const c = new RoomHistoryClient(server.address, {
      channelOptions: { interceptors: [interceptor] }, backoff: { initialMs: 20 },
    });
    try {
      const id = room();
      state.toLose = 1;
      const res = await c.appendMessages(AppendMessagesRequest.fromPartial({ roomId: id, messages: [user("x")] }));
      expect(keys()[0]).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(keys()).toEqual([keys()[0], keys()[0]]);
      expect(res.replayed).toBe(true);
      expect((await client.getHistory({ roomId: id })).messages).toHaveLength(1);
    } finally {
      c.close();
    }
  });

  it("another mutation is retried only with an expected version, which then cannot apply twice", async () => {
    const { state, interceptor } = replyLoser("ClearRoom");
    const c = new RoomHistoryClient(server.address, {
      channelOptions: { interceptors: [interceptor] }, backoff: { initialMs: 20 },
    });
    try {
      const id = room();
      await client.appendMessages({ roomId: id, messages: [user("x")] });
      state.toLose = 1;
      const conditional = await c.clearRoom({ roomId: id, expectedVersion: 1 }).catch((e: unknown) => e);
      expect(state.sent).toHaveLength(2); // retried: the repeat found the room moved on (by the first)
      expect(conditional).toBeInstanceOf(VersionConflictError);
      expect((conditional as VersionConflictError).currentVersion).toBe(2);
      state.toLose = 1;
      const unconditional = await c.clearRoom({ roomId: id }).catch((e: unknown) => e);
      expect(unconditional).toBeInstanceOf(UnavailableError);
      expect(state.sent).toHaveLength(3); // not retried
      expect((await client.getRoomInfo({ roomId: id })).version).toBe(3);
    } finally {
      c.close();
    }
  });

  it("the same key twice answers the first result; the same key with other messages is INVALID_ARGUMENT", async () => {
    const id = room();
    const a = await client.appendMessages({ roomId: id, messages: [user("x")], idempotencyKey: "k-1" });
    const b = await client.appendMessages({ roomId: id, messages: [user("x")], idempotencyKey: "k-1" });
    expect(a.replayed).toBe(false);
    expect(b).toMatchObject({ replayed: true, version: a.version });
    expect(b.messages.map((m) => m.seq)).toEqual(a.messages.map((m) => m.seq));
    const other = await client.appendMessages({ roomId: id, messages: [user("y")], idempotencyKey: "k-1" })
      .catch((e: unknown) => e);
    expect(other).toBeInstanceOf(InvalidArgumentError);
    expect((await client.getRoomInfo({ roomId: id })).version).toBe(1);
  });
});

describe("DeleteRoom, SetRoomRetention, ReapIdleRooms", () => {
  it("deletes a room: history gone, version kept, a later write continues above it", async () => {
    const id = room();
    const w = await client.appendMessages({ roomId: id, messages: [user("a"), user("b")] });
    const conflict = await client.deleteRoom({ roomId: id, expectedVersion: 0 }).catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(VersionConflictError);
    const del = await client.deleteRoom({ roomId: id, expectedVersion: w.version });
    expect(del).toEqual({ version: w.version + 1, deleted: true });
    const info = await client.getRoomInfo({ roomId: id });
    expect(info).toMatchObject({ exists: false, version: del.version, messageCount: 0 });
    expect(await client.deleteRoom({ roomId: id })).toEqual({ version: del.version, deleted: false });
    const again = await client.appendMessages({ roomId: id, messages: [user("c")] });
    expect(again.version).toBe(del.version + 1);
    expect(again.messages[0].seq).toBeGreaterThan(w.messages[1].seq);
  });

  it("sets, reports and resets a room's retention", async () => {
    const id = room();
    await client.appendMessages({ roomId: id, messages: [user("a")] });
    const set = await client.setRoomRetention({ roomId: id, idleTtlSeconds: 3600, expectedVersion: 1 });
    expect(set).toEqual({ version: 2, idleTtlSeconds: 3600, retentionIsDefault: false });
    const info = await client.getRoomInfo({ roomId: id });
    expect(info).toMatchObject({ idleTtlSeconds: 3600, retentionIsDefault: false, exists: true });
    expect(info.expiresAt).toBeDefined();
    const reset = await client.setRoomRetention({ roomId: id });
    expect(reset).toMatchObject({ version: 3, retentionIsDefault: true });
  });

  it("reaps idle rooms: a dry run changes nothing, a reap expires them", async () => {
    const [idle, kept] = [room(), room()];
    await client.appendMessages({ roomId: idle, messages: [user("a")] });
    await client.appendMessages({ roomId: kept, messages: [user("b")] });
    await client.setRoomRetention({ roomId: kept, idleTtlSeconds: 0 }); // kept until deleted
    await new Promise((r) => setTimeout(r, 1100)); // both must be idle for a whole second
    const dry = await client.reapIdleRooms({ maxIdleSeconds: 1, dryRun: true, limit: 10_000 });
    expect(dry.roomIds).toContain(idle);
    expect(dry.roomIds).not.toContain(kept);
    expect((await client.getRoomInfo({ roomId: idle })).exists).toBe(true);
    const reaped = await client.reapIdleRooms({ maxIdleSeconds: 1, limit: 10_000 });
    expect(reaped.roomIds).toContain(idle);
    expect(reaped.count).toBe(reaped.roomIds.length);
    expect(await client.getRoomInfo({ roomId: idle })).toMatchObject({ exists: false, version: 2 });
    expect((await client.getRoomInfo({ roomId: kept })).exists).toBe(true);
  });
});

describe("RoomMirror after a deletion and an expiry", () => {
  it("empties its copy on DELETED, then follows the room written again", async () => {
    const id = room();
    await client.appendMessages({ roomId: id, messages: [user("a"), user("b")] });
    const { mirror, events } = mirrorOf(client, [id]);
    await mirror.ready();
    const del = await client.deleteRoom({ roomId: id });
    await mirror.waitForVersion(id, del.version, 5000);
    expect(await mirror.getMessages(id)).toEqual([]);
    const deleted = { kind: ChangeKind.CHANGE_KIND_DELETED };
    expect(events.at(-1)).toMatchObject({ version: del.version, refetched: false, change: deleted });
    await expectMirrored(mirror, client, id);
    const res = await mirror.append(id, [user("c")]);
    expect(res.version).toBe(del.version + 1);
    await expectMirrored(mirror, client, id);
  });

  it("moves its version on RETENTION and empties its copy on EXPIRED", async () => {
    const id = room();
    await client.appendMessages({ roomId: id, messages: [user("a")] });
    const { mirror, events } = mirrorOf(client, [id]);
    await mirror.ready();
    const set = await client.setRoomRetention({ roomId: id, idleTtlSeconds: 1 });
    await mirror.waitForVersion(id, set.version, 5000);
    expect(events.at(-1)).toMatchObject({ refetched: false, change: { kind: ChangeKind.CHANGE_KIND_RETENTION } });
    expect(await mirror.getMessages(id)).toHaveLength(1);
    // Idle past its own retention: the next reap (rooms past their retention) expires it.
    await waitFor(async () => (await client.reapIdleRooms({ limit: 10_000 })).roomIds.includes(id), 10_000, "the reap");
    await mirror.waitForVersion(id, set.version + 1, 5000);
    expect(await mirror.getMessages(id)).toEqual([]);
    expect(events.at(-1)).toMatchObject({ refetched: false, change: { kind: ChangeKind.CHANGE_KIND_EXPIRED } });
    await expectMirrored(mirror, client, id);
  });

  it("converges when the server's own schedule expires a room (ROOMHISTORY_ROOM_TTL_SECONDS)", async () => {
    const own = await startTestServer({
      ROOMHISTORY_REDIS_URL: redis.url,
      ROOMHISTORY_KEY_PREFIX: uniquePrefix("lifecycle-ttl"),
      ROOMHISTORY_ROOM_TTL_SECONDS: "1",
      ROOMHISTORY_REAP_INTERVAL_MS: "200",
    });
    const c = new RoomHistoryClient(own.address);
    try {
      const id = room();
      const w = await c.appendMessages({ roomId: id, messages: [user("a"), user("b")] });
      const { mirror, events } = mirrorOf(c, [id]);
      await mirror.ready();
      await mirror.waitForVersion(id, w.version + 1, 10_000);
      expect(events.at(-1)).toMatchObject({ change: { kind: ChangeKind.CHANGE_KIND_EXPIRED } });
      expect(await mirror.getMessages(id)).toEqual([]);
      expect((await c.listRooms({ pageSize: 1000 })).roomIds).not.toContain(id);
      const next = await mirror.append(id, [user("c")]);
      expect(next.version).toBe(w.version + 2);
      expect(next.messages[0].seq).toBe(3); // seqs are never reused
      await expectMirrored(mirror, c, id);
    } finally {
      mirrors.splice(0).forEach((m) => m.close());
      c.close();
      await own.stop();
    }
  });
});
