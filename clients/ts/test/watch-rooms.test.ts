/**
 * The client's watch over WatchRooms against a real server on a real redis-server: 1,000 rooms followed
 * and unfollowed one by one on one stream (the server sees one stream), a prefix followed on the open
 * stream, and a RoomMirror holding a whole namespace as rooms move in and out.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Role, RoomHistoryClient, RoomMirror, RoomNotFollowedError } from "@roomhistory/client";
import { TestRedis } from "../../../test/helpers/redis.js";
import { startTestServer, uniquePrefix, type TestServer } from "../../../test/helpers/server.js";
import { waitFor } from "../../../test/helpers/ports.js";

let redis: TestRedis;
let server: TestServer;
let client: RoomHistoryClient;

beforeAll(async () => {
  redis = await TestRedis.start();
  server = await startTestServer({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix("wr") });
  client = new RoomHistoryClient(server.address);
});
afterAll(async () => {
  client?.close();
  await server?.stop();
  await redis?.stop();
});

const user = (content: string) => ({ role: Role.ROLE_USER, content });

describe("WatchStream over WatchRooms", () => {
  it("follows and unfollows 1,000 rooms one by one on one stream", async () => {
    const rooms = Array.from({ length: 1000 }, (_, i) => `many/${i}`);
    const stream = client.watch([rooms[0]], { progressIntervalMs: 1000 });
    const first = stream.next();
    for (const id of rooms.slice(1)) stream.add([id]);
    await client.appendMessages({ roomId: rooms[999], messages: [user("last")] });
    expect((await first).value).toMatchObject({ roomId: rooms[999], version: 1 });
    expect(server.app.watch.openStreams).toBe(1);
    for (const id of rooms.slice(0, 999)) stream.remove([id]);
    expect(stream.rooms).toEqual([rooms[999]]);
    await stream.requestProgress(); // every remove answered before this
    await client.appendMessages({ roomId: rooms[0], messages: [user("unheard")] });
    await client.appendMessages({ roomId: rooms[999], messages: [user("heard")] });
    expect((await stream.next()).value).toMatchObject({ roomId: rooms[999], version: 2 });
    expect(stream.reconnects).toBe(0);
    expect(server.app.watch.openStreams).toBe(1);
    stream.close();
  }, 60_000);

  it("follows a prefix on the open stream, rooms created later included, and reports a watermark", async () => {
    const stream = client.watch(["solo"], { progressIntervalMs: 1000 });
    stream.follow({ prefix: "pre/" });
    const before = Date.now();
    await client.appendMessages({ roomId: "pre/new", messages: [user("1")] });
    expect((await stream.next()).value).toMatchObject({ roomId: "pre/new", version: 1 });
    const mark = await stream.requestProgress();
    expect(mark!.getTime()).toBeGreaterThanOrEqual(before - 1);
    expect(stream.watermark).toEqual(mark);
    stream.unfollow({ prefix: "pre/" });
    expect(stream.rooms).toEqual(["solo"]);
    stream.close();
  });
});

describe("RoomMirror of a namespace", () => {
  it("holds every room of the namespace: those there, those moved in, not those moved out", async () => {
    await client.appendMessages({ roomId: "g/1", messages: [user("one")] });
    await client.updateRoomMetadata({ roomId: "g/1", namespace: "guild" });
    const mirror = new RoomMirror(client, [], { progressIntervalMs: 500 });
    await mirror.followSelector({ namespace: "guild" });
    expect((await mirror.getMessages("g/1")).map((m) => m.content)).toEqual(["one"]);
    await client.appendMessages({ roomId: "g/2", messages: [user("two")] });
    await client.updateRoomMetadata({ roomId: "g/2", namespace: "guild" });
    await waitFor(() => mirror.roomIds().includes("g/2"));
    expect((await mirror.getMessages("g/2")).map((m) => m.content)).toEqual(["two"]);
    await client.updateRoomMetadata({ roomId: "g/1", namespace: "elsewhere" });
    await waitFor(() => !mirror.roomIds().includes("g/1"));
    await expect(mirror.getMessages("g/1")).rejects.toBeInstanceOf(RoomNotFollowedError);
    mirror.close();
  });
});
