/**
 * Duplicate message ids against a real server: the server patches the NEWEST message with an id, and a
 * RoomMirror applies the change to that same message (by seq; the newest with the id for a legacy entry
 * without one) without reading the room, ending equal to GetHistory.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Redis } from "ioredis";
import { ChangeKind, Role, RoomHistoryClient, RoomMirror, type RoomChangedEvent } from "@roomhistory/client";
import { TestRedis } from "../../../test/helpers/redis.js";
import { startTestServer, uniquePrefix, type TestServer } from "../../../test/helpers/server.js";
import { expectMirrored } from "./compare.js";

/** An entry exactly as the Python ConversationManager writes it: json.dumps({"role", "content"}). */
const legacy = (role: string, content: string) =>
  JSON.stringify({ role, content }).replace(/":/g, '": ').replace(/,"/g, ', "');

const prefix = uniquePrefix("duplicates");
let redis: TestRedis;
let raw: Redis;
let server: TestServer;
let client: RoomHistoryClient;

beforeAll(async () => {
  redis = await TestRedis.start();
  raw = redis.client();
  server = await startTestServer({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: prefix });
  client = new RoomHistoryClient(server.address);
});
afterAll(async () => {
  client?.close();
  raw?.disconnect();
  await server?.stop();
  await redis?.stop();
});

async function follow(roomId: string): Promise<{ mirror: RoomMirror; events: RoomChangedEvent[] }> {
  const mirror = new RoomMirror(client, [roomId], { progressIntervalMs: 200 });
  const events: RoomChangedEvent[] = [];
  mirror.on("changed", (e) => events.push(e));
  await mirror.ready();
  events.length = 0; // the first load is a read; what follows must not be
  return { mirror, events };
}

describe("duplicate ids: the newest message with the id is the one patched, by the server and the mirror", () => {
  it("service messages (with seqs)", async () => {
    const roomId = "dup-service";
    const user = (content: string) => ({ role: Role.ROLE_USER, content, id: "dup" });
    await client.appendMessages({ roomId, messages: [user("first"), user("second")] });
    const { mirror, events } = await follow(roomId);
    try {
      const edited = await client.updateMessage({ roomId, messageId: "dup", content: "second, edited" });
      expect(edited.message?.seq).toBe(2);
      await mirror.waitForVersion(roomId, edited.version, 5000);
      const reactions = [{ emoji: "👍", count: 1 }];
      const reacted = await client.patchReactions({ roomId, messageId: "dup", reactions });
      await mirror.waitForVersion(roomId, reacted.version, 5000);
      const messages = await mirror.getMessages(roomId);
      expect(messages.map((m) => m.content)).toEqual(["first", "second, edited"]);
      expect(messages[0].reactions).toEqual([]);
      expect(events.every((e) => !e.refetched)).toBe(true);
      await expectMirrored(mirror, client, roomId);
    } finally {
      mirror.close();
    }
  });

  it("legacy entries (no seq, the id in a [Message ID: X] marker)", async () => {
    const roomId = "dup-legacy";
    const list = `${prefix}:{${roomId}}`;
    await raw.rpush(list,
      legacy("user", "[Message ID: L] ana: older"),
      legacy("assistant", "hello"),
      legacy("user", "[Message ID: L] ana: newer"),
    );
    await raw.set(`${list}:ver`, "3");
    const { mirror, events } = await follow(roomId);
    try {
      expect((await mirror.getMessages(roomId)).map((m) => [m.id, m.seq])).toEqual([["L", 0], ["", 0], ["L", 0]]);
      const deletedAt = { seconds: 1_750_000_000, nanos: 0 };
      const deleted = await client.markDeleted({ roomId, messageId: "L", deletedAt });
      await mirror.waitForVersion(roomId, deleted.version, 5000);
      expect(events.at(-1)).toMatchObject({ refetched: false, change: { kind: ChangeKind.CHANGE_KIND_DELETE } });
      const messages = await mirror.getMessages(roomId);
      expect(messages[0].deletedAt).toBeUndefined();
      expect(messages[2].deletedAt).toEqual(deletedAt);
      await expectMirrored(mirror, client, roomId);
    } finally {
      mirror.close();
    }
  });
});
