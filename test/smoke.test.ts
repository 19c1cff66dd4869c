import { afterAll, beforeAll, expect, it } from "vitest";
import { Role } from "@roomhistory/client/gen/roomhistory/v1/message.js";
import { AppendMessagesRequest } from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import { TestRedis } from "./helpers/redis.js";
import { startTestServer, uniquePrefix, type TestServer } from "./helpers/server.js";

let redis: TestRedis;
let server: TestServer;

beforeAll(async () => {
  redis = await TestRedis.start();
  server = await startTestServer({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix() });
});
afterAll(async () => {
  await server?.stop();
  await redis?.stop();
});

it("appends and reads back through the generated client", async () => {
  const res = await new Promise<{ version: number }>((resolve, reject) =>
    server.client.appendMessages(
      AppendMessagesRequest.fromPartial({ roomId: "smoke", messages: [{ role: Role.ROLE_USER, content: "hi" }] }),
      (err, r) => (err ? reject(err) : resolve(r)),
    ),
  );
  expect(res.version).toBe(1);
});
