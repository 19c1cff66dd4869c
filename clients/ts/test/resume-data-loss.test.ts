import { afterAll, beforeAll, expect, it } from "vitest";
import { ChangeKind, Role, RoomHistoryClient, RoomMirror, type RoomChange } from "@roomhistory/client";
import { TestRedis } from "../../../test/helpers/redis.js";
import { ServerProcess, uniquePrefix } from "../../../test/helpers/server.js";
import { waitFor } from "../../../test/helpers/ports.js";
import { expectMirrored } from "./compare.js";

let redis: TestRedis;
let server: ServerProcess;

beforeAll(async () => {
  redis = await TestRedis.start(); // no persistence: a restart loses every room
  const env = { ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix("loss") };
  server = await ServerProcess.start(env);
});
afterAll(async () => {
  await server?.kill();
  await redis?.stop();
});

it("after the store lost a room, a resumed watch reports the lower version and the mirror refetches", async () => {
  const roomId = "lost";
  const client = new RoomHistoryClient(server.address, { backoff: { initialMs: 50, maxMs: 300 } });
  const mirror = new RoomMirror(client, [roomId], { progressIntervalMs: 200 });
  const stream = client.watch([roomId], { progressIntervalMs: 200 });
  const changes: RoomChange[] = [];
  const consumed = (async () => {
    for await (const c of stream) changes.push(c);
  })();
  const append = (content: string) => client.appendMessages({ roomId, messages: [{ role: Role.ROLE_USER, content }] });
  try {
    await mirror.ready();
    for (let i = 0; i < 5; i++) await append(`old ${i}`);
    await mirror.waitForVersion(roomId, 5, 5000);
    await waitFor(() => stream.cursor(roomId) === 5, 5000, "the watch at version 5");

    await redis.kill();
    await redis.launch(); // empty
    // The server's open streams do not notice (see the report); a restart makes the clients resume.
    await server.kill();
    await server.launch();
    const serving = async () => (await client.getRoomInfo({ roomId }).catch(() => undefined)) !== undefined;
    await waitFor(serving, 10_000, "the server");
    await append("new 0");
    await append("new 1");

    await waitFor(() => stream.cursor(roomId) === 2, 10_000, "the watch to follow the lower version");
    const lost = changes.find((c) => c.version < c.previousVersion);
    expect(lost).toMatchObject({ kind: ChangeKind.CHANGE_KIND_RESYNC, previousVersion: 5 });
    // waitForVersion() waits for a version to be reached, not for one to go back.
    await waitFor(() => mirror.version(roomId) === 2, 10_000, "the mirror to follow the lower version");
    await expectMirrored(mirror, client, roomId);
    expect((await mirror.getMessages(roomId)).map((m) => m.content)).toEqual(["new 0", "new 1"]);
  } finally {
    stream.close();
    mirror.close();
    await consumed;
    client.close();
  }
});
