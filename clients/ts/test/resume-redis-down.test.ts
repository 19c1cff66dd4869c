import { afterAll, beforeAll, expect, it } from "vitest";
import { status } from "@grpc/grpc-js";
import { Role, RoomHistoryClient, RoomHistoryError, RoomMirror } from "@roomhistory/client";
import { TestRedis } from "../../../test/helpers/redis.js";
import { ServerProcess, startTestServer, uniquePrefix, type TestServer } from "../../../test/helpers/server.js";
import { waitFor } from "../../../test/helpers/ports.js";
import { expectMirrored } from "./compare.js";

let redis: TestRedis;
let watched: ServerProcess;
let writerServer: TestServer;
let redisDown = false;

beforeAll(async () => {
  // With an fsync'ed append-only file the data outlives a SIGKILL of redis-server.
  redis = await TestRedis.start(["--appendonly", "yes", "--appendfsync", "always"]);
  const env = { ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix("redisdown") };
  [watched, writerServer] = await Promise.all([ServerProcess.start(env), startTestServer(env)]);
});
afterAll(async () => {
  if (redisDown) await redis.launch(); // after a failure mid-test: servers stop cleanly with their Redis up
  await watched?.kill();
  await writerServer?.stop();
  await redis?.stop();
});

it("a mirror outlives a server restart while Redis is down", async () => {
  const roomId = "redis-down";
  const reader = new RoomHistoryClient(watched.address, { backoff: { initialMs: 50, maxMs: 300 } });
  const writer = new RoomHistoryClient(writerServer.address);
  // A long progress interval, so the server's answer comes before the client gives up on the silence.
  const mirror = new RoomMirror(reader, [roomId], { progressIntervalMs: 2000 });
  // The restarted server answers a watch it cannot subscribe for with UNAVAILABLE, the one status a
  // watch resumes on (watch-vectors.json); the mirror keeps trying. Connection errors come from the
  // restart itself.
  const refused = new Promise<RoomHistoryError>((resolve, reject) => {
    mirror.on("warning", (err) => {
      const connection = /No connection established|Connection dropped/;
      if (err instanceof RoomHistoryError && !connection.test(err.details)) resolve(err);
    });
    mirror.on("error", reject); // the mirror gave up
  });
  const append = (content: string) => writer.appendMessages({ roomId, messages: [{ role: Role.ROLE_USER, content }] });
  try {
    await mirror.ready();
    for (let i = 0; i < 5; i++) await append(`before ${i}`);
    await mirror.waitForVersion(roomId, 5, 5000);

    redisDown = true;
    await redis.kill();
    await watched.kill();
    await watched.launch(); // serves, but cannot subscribe: reopened watches fail until Redis is back
    expect((await refused).code).toBe(status.UNAVAILABLE);
    await redis.launch();
    redisDown = false;
    const back = async () => (await writer.getRoomInfo({ roomId }).catch(() => undefined))?.version === 5;
    await waitFor(back, 10_000, "Redis back");
    for (let i = 0; i < 5; i++) await append(`after ${i}`);

    await expectMirrored(mirror, writer, roomId);
    expect(mirror.version(roomId)).toBe(10);
  } finally {
    mirror.close();
    reader.close();
    writer.close();
  }
});
