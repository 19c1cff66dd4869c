import { afterAll, beforeAll, expect, it } from "vitest";
import { Role, RoomHistoryClient, RoomMirror } from "@roomhistory/client";
import { TestRedis } from "../../../test/helpers/redis.js";
import { startTestServer, uniquePrefix, type TestServer } from "../../../test/helpers/server.js";

let redis: TestRedis;
let server: TestServer;
let client: RoomHistoryClient;

beforeAll(async () => {
  redis = await TestRedis.start();
  server = await startTestServer({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix("large") });
  client = new RoomHistoryClient(server.address);
});
afterAll(async () => {
  client?.close();
  await server?.stop();
  await redis?.stop();
});

it("reads and mirrors a window larger than gRPC's default 4 MiB message limit", async () => {
  const big = "é".repeat(400_000); // 800 KB each
  for (let i = 0; i < 8; i++) await client.appendMessages({ roomId: "big", messages: [{ role: Role.ROLE_USER, content: `${i}${big}` }] });
  const h = await client.getHistory({ roomId: "big" });
  expect(h.messages).toHaveLength(8);
  expect(h.messages[7].content).toBe(`7${big}`);
  const mirror = new RoomMirror(client, ["big"]);
  try {
    await mirror.ready();
    expect(await mirror.getMessages("big")).toEqual(h.messages);
  } finally {
    mirror.close();
  }
});
