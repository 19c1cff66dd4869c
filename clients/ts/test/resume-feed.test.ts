import { afterAll, beforeAll, expect, it } from "vitest";
import { Role, RoomHistoryClient, RoomMirror } from "@roomhistory/client";
import { TestRedis } from "../../../test/helpers/redis.js";
import { startTestServer, uniquePrefix, type TestServer } from "../../../test/helpers/server.js";
import { waitFor } from "../../../test/helpers/ports.js";
import { expectMirrored } from "./compare.js";
import { recordWatch, startWriter } from "./load.js";

let redis: TestRedis;
let server: TestServer;

beforeAll(async () => {
  redis = await TestRedis.start();
  server = await startTestServer({
    ROOMHISTORY_REDIS_URL: redis.url,
    ROOMHISTORY_KEY_PREFIX: uniquePrefix("feed"),
    ROOMHISTORY_MAX_HISTORY: "20",
    ROOMHISTORY_MAX_EVENT_BYTES: "2000",
  });
});
afterAll(async () => {
  await server?.stop();
  await redis?.stop();
});

it("the mirror converges when the server loses its Redis subscriber connection mid-stream", async () => {
  const rooms = ["feed-a", "feed-b", "feed-c"];
  const client = new RoomHistoryClient(server.address);
  const admin = redis.client();
  const mirror = new RoomMirror(client, rooms, { progressIntervalMs: 200 });
  const stream = client.watch(rooms, { progressIntervalMs: 200 });
  const seen = recordWatch(stream);
  try {
    await mirror.ready();
    const writer = startWriter(client, rooms);
    await writer.more(20);
    // Drops the server's subscriber connection (and only it: writes use another connection). ioredis
    // reconnects it after ~100 ms; the writes in between are published to nobody.
    expect(await admin.client("KILL", "TYPE", "pubsub")).toBeGreaterThan(0);
    await client.appendMessages({ roomId: rooms[0], messages: [{ role: Role.ROLE_USER, content: "unheard" }] });
    await writer.more(40);
    await writer.stop();
    expect(writer.failures).toBe(0);

    for (const room of rooms) await expectMirrored(mirror, client, room);
    const finals = await Promise.all(rooms.map((roomId) => client.getRoomInfo({ roomId })));
    await waitFor(() => rooms.every((r, i) => stream.cursor(r) === finals[i].version), 10_000, "the watch to catch up");
    expect(seen.disorder).toEqual([]);
    expect(seen.resyncs).toBeGreaterThan(0); // the unheard write came back as a RESYNC
    expect(stream.reconnects).toBe(0); // the gRPC stream itself never broke
  } finally {
    stream.close();
    mirror.close();
    await seen.done;
    admin.disconnect();
    client.close();
  }
});
