import { afterAll, beforeAll, expect, it } from "vitest";
import { Role, RoomHistoryClient, type RoomHistoryError } from "@roomhistory/client";
import { TestRedis } from "../../../test/helpers/redis.js";
import { ServerProcess, startTestServer, uniquePrefix, type TestServer } from "../../../test/helpers/server.js";
import { waitFor } from "../../../test/helpers/ports.js";
import { recordWatch } from "./load.js";

let redis: TestRedis;
let watched: ServerProcess;
let writerServer: TestServer;

beforeAll(async () => {
  redis = await TestRedis.start();
  const env = { ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix("silence") };
  [watched, writerServer] = await Promise.all([ServerProcess.start(env), startTestServer(env)]);
});
afterAll(async () => {
  watched?.thaw();
  await watched?.kill();
  await writerServer?.stop();
  await redis?.stop();
});

it("a stream silent for three progress intervals is abandoned and resumed", async () => {
  const reader = new RoomHistoryClient(watched.address, { backoff: { initialMs: 50, maxMs: 200 } });
  const writer = new RoomHistoryClient(writerServer.address);
  const reasons: RoomHistoryError[] = [];
  let silent!: () => void;
  const wentSilent = new Promise<void>((resolve) => (silent = resolve));
  const stream = reader.watch(["quiet"], {
    progressIntervalMs: 100,
    onReconnect: (err) => {
      reasons.push(err);
      if (/no message for 300 ms/.test(err.details)) silent();
    },
  });
  const seen = recordWatch(stream);
  try {
    const first = await writer.appendMessages({ roomId: "quiet", messages: [{ role: Role.ROLE_USER, content: "1" }] });
    await waitFor(() => stream.cursor("quiet") === first.version, 5000, "the first change");
    watched.freeze(); // connection open, nothing sent: only the progress timeout can tell
    await wentSilent;
    const later = await writer.appendMessages({ roomId: "quiet", messages: [{ role: Role.ROLE_USER, content: "2" }] });
    watched.thaw();
    await waitFor(() => stream.cursor("quiet") === later.version, 10_000, "the resumed stream");
    expect(seen.versions.get("quiet")).toEqual([1, 2]);
    expect(reasons.length).toBeGreaterThan(0);
  } finally {
    watched.thaw();
    stream.close();
    await seen.done;
    reader.close();
    writer.close();
  }
});
