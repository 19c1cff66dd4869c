import { afterAll, beforeAll, expect, it } from "vitest";
import { status } from "@grpc/grpc-js";
import { Role } from "@roomhistory/client/gen/roomhistory/v1/message.js";
import { TestRedis } from "../helpers/redis.js";
import { startTestServer, uniquePrefix, type TestServer } from "../helpers/server.js";
import { expectStatus, rpc, user } from "../helpers/rpc.js";

let redis: TestRedis;
let server: TestServer;
let api: ReturnType<typeof rpc>;
const ROOM = "errors";

beforeAll(async () => {
  redis = await TestRedis.start();
  server = await startTestServer({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix() });
  api = rpc(server.client);
  await api.append({ roomId: ROOM, messages: [user("keep me", { id: "m1" })] });
});
afterAll(async () => {
  await server?.stop();
  await redis?.stop();
});

/** Every failed call must leave the room exactly as it was. */
async function unchanged() {
  const h = await api.history({ roomId: ROOM });
  expect(h.version).toBe(1);
  expect(h.messages.map((m) => m.content)).toEqual(["keep me"]);
}

const cases: [string, () => Promise<unknown>, number, string][] = [
  ["bad room id", () => api.append({ roomId: "has space", messages: [user("x")] }), status.INVALID_ARGUMENT, "room_id"],
  ["empty room id", () => api.history({ roomId: "" }), status.INVALID_ARGUMENT, "room_id"],
  ["room id too long", () => api.append({ roomId: "r".repeat(257), messages: [user("x")] }), status.INVALID_ARGUMENT, "room_id"],
  ["no messages", () => api.append({ roomId: ROOM, messages: [] }), status.INVALID_ARGUMENT, "messages"],
  ["unset role", () => api.append({ roomId: ROOM, messages: [user("ok"), { ...user("x"), role: Role.ROLE_UNSPECIFIED }] }),
    status.INVALID_ARGUMENT, "messages[1].role"],
  ["tool without call id", () => api.append({ roomId: ROOM, messages: [{ ...user("x"), role: Role.ROLE_TOOL }] }),
    status.INVALID_ARGUMENT, "messages[0].tool_call_id"],
  ["tool calls on a user message", () => api.append({ roomId: ROOM, messages: [user("x", { toolCalls: [{ id: "c", name: "f", arguments: "" }] })] }),
    status.INVALID_ARGUMENT, "messages[0].tool_calls"],
  ["bad message id", () => api.append({ roomId: ROOM, messages: [user("x", { id: "a]b" })] }), status.INVALID_ARGUMENT, "messages[0].id"],
  ["message over 1 MiB", () => api.append({ roomId: ROOM, messages: [user("ok"), user("x".repeat(1024 * 1024 + 1))] }),
    status.RESOURCE_EXHAUSTED, "messages[1]"],
  ["batch over 500", () => api.append({ roomId: ROOM, messages: Array.from({ length: 501 }, () => user("x")) }),
    status.RESOURCE_EXHAUSTED, "messages"],
  ["context over 64 KiB", () => api.render({ roomId: ROOM, roomContext: { blob: "x".repeat(70_000) } }),
    status.RESOURCE_EXHAUSTED, "room_context"],
  ["stale expected version", () => api.append({ roomId: ROOM, messages: [user("x")], expectedVersion: 0 }), status.ABORTED, ""],
  ["unknown message", () => api.update({ roomId: ROOM, messageId: "nope", content: "x" }), status.NOT_FOUND, ""],
  ["unknown message (reactions)", () => api.reactions({ roomId: ROOM, messageId: "nope", reactions: [{ emoji: "👍" }] }),
    status.NOT_FOUND, ""],
  ["bad reaction", () => api.reactions({ roomId: ROOM, messageId: "m1", reactions: [{ emoji: "" }] }),
    status.INVALID_ARGUMENT, "reactions[0].emoji"],
  ["missing template", () => api.render({ roomId: ROOM, template: "nope.j2" }), status.INVALID_ARGUMENT, "template"],
  ["template outside the directory", () => api.render({ roomId: ROOM, template: "../package.json" }), status.INVALID_ARGUMENT, "template"],
];

it.each(cases)("%s: clear status, field named, nothing written", async (_name, call, code, field) => {
  const { err, info } = await expectStatus(call(), code);
  if (field) {
    expect(err.details.startsWith(`${field}:`), err.details).toBe(true);
    expect(info?.metadata.field).toBe(field);
  }
  await unchanged();
});

it("reports the current version in the ErrorInfo of a conflict", async () => {
  const { err, info } = await expectStatus(api.append({ roomId: ROOM, messages: [user("x")], expectedVersion: 7 }), status.ABORTED);
  expect(info).toMatchObject({ reason: "VERSION_CONFLICT", domain: "roomhistory.v1" });
  expect(info!.metadata).toMatchObject({ current_version: "1", expected_version: "7", room_id: ROOM });
  expect(err.details).toContain("current 1");
  await unchanged();
});

it("answers UNAVAILABLE while Redis is down, and recovers", async () => {
  const dead = await TestRedis.start();
  const s = await startTestServer({ ROOMHISTORY_REDIS_URL: dead.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix() });
  try {
    const a = rpc(s.client);
    await a.append({ roomId: "u", messages: [user("before")] });
    await dead.kill();
    const { err } = await expectStatus(a.append({ roomId: "u", messages: [user("during")] }), status.UNAVAILABLE);
    expect(err.details).not.toMatch(/127\.0\.0\.1|ECONN/);
    await expectStatus(a.history({ roomId: "u" }), status.UNAVAILABLE);
    await dead.launch();
    let version = 0;
    for (let i = 0; i < 100 && !version; i++) {
      version = await a.append({ roomId: "u", messages: [user("after")] }).then((r) => r.version, () => 0);
    }
    expect(version).toBe(1); // the restarted Redis kept nothing (no persistence in tests)
  } finally {
    await s.stop();
    await dead.stop();
  }
});
