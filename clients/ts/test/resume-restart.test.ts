import { afterAll, beforeAll, expect, it } from "vitest";
import { Role, RoomHistoryClient, RoomMirror, UnavailableError } from "@roomhistory/client";
import { TestRedis } from "../../../test/helpers/redis.js";
import { ServerProcess, startTestServer, uniquePrefix, type TestServer } from "../../../test/helpers/server.js";
import { waitFor } from "../../../test/helpers/ports.js";
import { expectMirrored } from "./compare.js";
import { recordWatch, startWriter } from "./load.js";

let redis: TestRedis;
let watched: ServerProcess;
let writerServer: TestServer;
const env: Record<string, string> = {};

beforeAll(async () => {
  redis = await TestRedis.start();
  Object.assign(env, {
    ROOMHISTORY_REDIS_URL: redis.url,
    ROOMHISTORY_KEY_PREFIX: uniquePrefix("restart"),
    ROOMHISTORY_MAX_HISTORY: "20",
    ROOMHISTORY_MAX_EVENT_BYTES: "2000",
  });
  [watched, writerServer] = await Promise.all([ServerProcess.start(env), startTestServer(env)]);
});
afterAll(async () => {
  await watched?.kill();
  await writerServer?.stop();
  await redis?.stop();
});

it("a watch and a mirror resume across a SIGKILL and restart of their server", async () => {
  const rooms = ["restart-a", "restart-b", "restart-c"];
  const backoff = { initialMs: 50, maxMs: 400 };
  const reader = new RoomHistoryClient(watched.address, { backoff });
  const writerClient = new RoomHistoryClient(writerServer.address);
  const mirror = new RoomMirror(reader, rooms, { progressIntervalMs: 200 });
  const stream = reader.watch(rooms, { progressIntervalMs: 200 });
  const seen = recordWatch(stream);
  try {
    await mirror.ready();
    const writer = startWriter(writerClient, rooms);
    await writer.more(30);
    await watched.kill();
    await writer.more(30); // written while nobody serves the watch
    await watched.launch();
    await writer.more(30);
    const total = await writer.stop();
    expect(writer.failures).toBe(0);

    for (const room of rooms) await expectMirrored(mirror, writerClient, room);
    const finals = await Promise.all(rooms.map((roomId) => writerClient.getRoomInfo({ roomId })));
    expect(finals.reduce((sum, f) => sum + f.version, 0)).toBe(total);
    await waitFor(() => rooms.every((r, i) => stream.cursor(r) === finals[i].version), 10_000, "the watch to catch up");
    expect(seen.disorder).toEqual([]);
    expect(stream.reconnects).toBeGreaterThan(0);
    expect(seen.resyncs).toBeGreaterThan(0); // what was written during the outage came as a RESYNC
  } finally {
    stream.close();
    mirror.close();
    await seen.done;
    reader.close();
    writerClient.close();
  }
});

it("a read issued while the server is down is retried until it is back; a write is not retried", async () => {
  const client = new RoomHistoryClient(watched.address, {
    timeoutMs: 20_000, backoff: { initialMs: 50, maxMs: 300, maxAttempts: 100 },
  });
  try {
    await client.appendMessages({ roomId: "retry", messages: [{ role: Role.ROLE_USER, content: "1" }] });
    await watched.kill();
    const write = await client.appendMessages({ roomId: "retry", messages: [{ role: Role.ROLE_USER, content: "2" }] })
      .catch((e: unknown) => e);
    expect(write).toBeInstanceOf(UnavailableError);
    const read = client.getHistory({ roomId: "retry" }); // fails, waits, tries again...
    await watched.launch();
    expect((await read).messages.map((m) => m.content)).toEqual(["1"]);
  } finally {
    client.close();
  }
});
