import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  ChangeKind, InvalidArgumentError, Role, RoomHistoryClient, RoomMirror, VersionConflictError, type RoomChangedEvent,
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
  server = await startTestServer({
    ROOMHISTORY_REDIS_URL: redis.url,
    ROOMHISTORY_KEY_PREFIX: uniquePrefix("mirror"),
    ROOMHISTORY_MAX_HISTORY: "5",
    ROOMHISTORY_MAX_EVENT_BYTES: "2000",
  });
  client = new RoomHistoryClient(server.address);
});
afterEach(() => mirrors.splice(0).forEach((m) => m.close()));
afterAll(async () => {
  client?.close();
  await server?.stop();
  await redis?.stop();
});

function mirrorOf(rooms: string[]): { mirror: RoomMirror; events: RoomChangedEvent[] } {
  const mirror = new RoomMirror(client, rooms, { progressIntervalMs: 200 });
  const events: RoomChangedEvent[] = [];
  mirror.on("changed", (e) => events.push(e));
  mirrors.push(mirror);
  return { mirror, events };
}

const user = (content: string) => ({ role: Role.ROLE_USER, content });
let n = 0;
const room = () => `room-${++n}`;

describe("RoomMirror", () => {
  it("loads rooms with history and rooms without", async () => {
    const [full, empty] = [room(), room()];
    await client.appendMessages({ roomId: full, messages: [user("a"), user("b")] });
    const { mirror } = mirrorOf([full, empty]);
    await mirror.ready();
    expect(mirror.version(full)).toBe(1);
    expect(mirror.version(empty)).toBe(0);
    expect(await mirror.getMessages(empty)).toEqual([]);
    await expectMirrored(mirror, client, full);
  });

  it("applies every kind of change from the stream, fetching only omitted messages", async () => {
    const id = room();
    const { mirror, events } = mirrorOf([id]);
    await mirror.ready();
    const step = async (write: () => Promise<{ version: number }>, kind: ChangeKind, refetched = false) => {
      const { version } = await write();
      await mirror.waitForVersion(id, version, 5000);
      expect(events.at(-1)).toMatchObject({ roomId: id, version, refetched, change: { kind } });
      await expectMirrored(mirror, client, id);
    };
    const assistant = { role: Role.ROLE_ASSISTANT, content: "3" };
    const a = await client.appendMessages({ roomId: id, messages: [user("1"), user("2"), assistant] });
    await mirror.waitForVersion(id, a.version, 5000);
    expect(a.messages.map((m) => m.seq)).toEqual([1, 2, 3]);
    const K = ChangeKind;
    const three = [user("4"), user("5"), user("6")];
    await step(() => client.appendMessages({ roomId: id, messages: three }), K.CHANGE_KIND_APPEND);
    expect(await mirror.getMessages(id)).toHaveLength(5); // trimmed to ROOMHISTORY_MAX_HISTORY
    const live = (await mirror.getMessages(id))[2];
    await step(() => client.updateMessage({ roomId: id, messageId: live.id, content: "edited" }), K.CHANGE_KIND_UPDATE);
    await step(() => client.markDeleted({ roomId: id, messageId: live.id }), K.CHANGE_KIND_DELETE);
    const reactions = [{ emoji: "👍", count: 2 }];
    await step(() => client.patchReactions({ roomId: id, messageId: live.id, reactions }), K.CHANGE_KIND_REACTIONS);
    await step(() => client.setRoomLimit({ roomId: id, limit: 60 }), K.CHANGE_KIND_LIMIT);
    await step(() => client.discardRebackfill({ roomId: id }), K.CHANGE_KIND_REBACKFILL);
    // 60 messages are more than ROOMHISTORY_MAX_EVENT_BYTES: the change omits them and the mirror fetches.
    const sixty = Array.from({ length: 60 }, (_, i) => user(`m${i}`));
    await step(() => client.appendMessages({ roomId: id, messages: sixty }), K.CHANGE_KIND_APPEND, true);
    await step(() => client.setRoomLimit({ roomId: id, limit: 50 }), K.CHANGE_KIND_LIMIT);
    expect(events.at(-1)?.change.trimmed).toBeGreaterThan(0);
    await step(() => client.clearRoom({ roomId: id }), K.CHANGE_KIND_CLEAR);
    expect(await mirror.getMessages(id)).toEqual([]);
  });

  it("fetches just the appended messages when they were too large to carry", async () => {
    const id = room();
    const { mirror, events } = mirrorOf([id]);
    await mirror.ready();
    await client.appendMessages({ roomId: id, messages: [user("small")] });
    const big = await client.appendMessages({ roomId: id, messages: [user("x".repeat(5000))] });
    await mirror.waitForVersion(id, big.version, 5000);
    expect(events.at(-1)).toMatchObject({ version: big.version, refetched: true, change: { messagesOmitted: true } });
    await expectMirrored(mirror, client, id);
  });

  it("append writes at the mirror's version and shows the result at once", async () => {
    const id = room();
    const { mirror } = mirrorOf([id]);
    await mirror.ready();
    const res = await mirror.append(id, [user("mine")]);
    expect(mirror.version(id)).toBe(res.version);
    expect((await mirror.getMessages(id)).map((m) => m.content)).toEqual(["mine"]);
  });

  it("a conflicting append catches the mirror up, then rethrows", async () => {
    const id = room();
    const { mirror } = mirrorOf([id]);
    await mirror.ready();
    // Sent first on the same channel, the other write reaches the store first: the mirror's append,
    // conditional on version 0, must conflict with version 1.
    const theirs = client.appendMessages({ roomId: id, messages: [user("theirs")] });
    const err = await mirror.append(id, [user("mine")]).catch((e: unknown) => e);
    await theirs;
    expect(err).toBeInstanceOf(VersionConflictError);
    expect((err as VersionConflictError).currentVersion).toBe(1);
    expect(mirror.version(id)).toBe(1); // caught up before the error was rethrown
    expect((await mirror.getMessages(id)).map((m) => m.content)).toEqual(["theirs"]);
    await mirror.append(id, [user("mine")]);
    await expectMirrored(mirror, client, id);
  });

  it("follows and unfollows rooms on its one stream", async () => {
    const [a, b] = [room(), room()];
    await client.appendMessages({ roomId: b, messages: [user("b1")] });
    const { mirror } = mirrorOf([a]);
    await mirror.ready();
    await mirror.follow(b);
    expect(mirror.roomIds()).toEqual([a, b]);
    await expectMirrored(mirror, client, b);
    const w = await client.appendMessages({ roomId: b, messages: [user("b2")] });
    await mirror.waitForVersion(b, w.version, 5000);
    await expectMirrored(mirror, client, b);
    mirror.unfollow(b);
    expect(() => mirror.version(b)).toThrow(/not followed/);
    // The stream was reopened without b: a still follows.
    const wa = await client.appendMessages({ roomId: a, messages: [user("a1")] });
    await mirror.waitForVersion(a, wa.version, 5000);
  });

  it("starts with no rooms and follows one later", async () => {
    const id = room();
    await client.appendMessages({ roomId: id, messages: [user("x")] });
    const { mirror } = mirrorOf([]);
    await mirror.ready();
    await mirror.follow(id);
    await expectMirrored(mirror, client, id);
  });

  it("fails only the room the server will not follow (an invalid room id); the others go on", async () => {
    const { mirror } = mirrorOf(["fine", "not fine"]);
    const err = await mirror.getMessages("not fine").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as InvalidArgumentError).field).toBe("add.rooms[1].room_id");
    expect(await mirror.getMessages("fine")).toEqual([]);
    await mirror.follow("other");
    expect(await mirror.getMessages("other")).toEqual([]);
  });
});

describe("WatchStream", () => {
  it("delivers changes in order and breaking out of the loop cancels the call", async () => {
    const id = room();
    const open = server.app.watch.openStreams;
    const stream = client.watch([id], { progressIntervalMs: 200 });
    const seen: number[] = [];
    const writes = (async () => {
      for (let i = 0; i < 5; i++) await client.appendMessages({ roomId: id, messages: [user(`w${i}`)] });
    })();
    for await (const change of stream) {
      seen.push(change.version);
      if (change.version >= 5) break;
    }
    await writes;
    expect(seen.at(-1)).toBe(5);
    expect(seen).toEqual([...seen].sort((x, y) => x - y));
    await waitFor(() => server.app.watch.openStreams === open, 5000, "the server to see the cancel");
  });

  it("reports what changed before it started as a RESYNC from the known version", async () => {
    const id = room();
    await client.appendMessages({ roomId: id, messages: [user("1")] });
    await client.appendMessages({ roomId: id, messages: [user("2")] });
    const stream = client.watch([{ roomId: id, knownVersion: 1 }]);
    const first = await stream.next();
    stream.close();
    const kind = ChangeKind.CHANGE_KIND_RESYNC;
    expect(first.value).toMatchObject({ roomId: id, previousVersion: 1, version: 2, kind });
  });
});
