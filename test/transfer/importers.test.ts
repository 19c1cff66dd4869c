/**
 * The importers as commands (npm run import-echo / import-legacy run these files with tsx) against a
 * real server and a real redis-server: the Echo bot's reference conversation (file 002) and a legacy
 * ConversationManager's keys (file 000) become rooms; --out writes the same records to a file.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import * as pb from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import { MessageKind, Role } from "@roomhistory/client/gen/roomhistory/v1/message.js";
import { TestRedis } from "../helpers/redis.js";
import { startTestServer, uniquePrefix, type TestServer } from "../helpers/server.js";
import { unary } from "./unary.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
let redis: TestRedis;
let server: TestServer;
const dir = mkdtempSync(join(tmpdir(), "roomhistory-import-"));

beforeAll(async () => {
  redis = await TestRedis.start();
  server = await startTestServer({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix("imp") });
});
afterAll(async () => {
  await server?.stop();
  await redis?.stop();
});

function run(tool: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", `src/tools/${tool}.ts`, ...args], { cwd: ROOT, env: { ...process.env, ROOMHISTORY_TOKEN: "" } },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, out: stdout + stderr }));
  });
}

const history = (roomId: string) => unary(server.client, "getHistory", pb.GetHistoryRequest.fromPartial({ roomId }));
const info = (roomId: string) => unary(server.client, "getRoomInfo", pb.GetRoomInfoRequest.fromPartial({ roomId }));

/** The reference's "Conversation JSON Format" example, with its tool call example and a response appended. */
const ECHO = {
  created_at: "2025-11-25T10:30:00.000000",
  updated_at: "2025-11-25T10:35:00.000000",
  summary: "User asked about async programming",
  guild_id: "987654321",
  guild_name: "My Discord Server",
  requester: "123456789012345678",
  participants: ["123456789012345678", "987654321012345678"],
  history: [
    { created_at: "2025-11-25T10:30:00.123456", message_type: "chat", message_content: "Hello, Echo!", meta: { requester: "123456789012345678" } },
    { created_at: "2025-11-25T10:30:02.123456", message_type: "thinking", message_content: "Processing request...", meta: {} },
    { created_at: "2025-11-25T10:30:03.123456", message_type: "chat", message_content: "Hi! How can I help you?", meta: {} },
    {
      created_at: "2025-11-25T10:30:05.123456", message_type: "tool_call", message_content: "Calling search_documents",
      meta: { tools: [{ name: "search_documents", params: { query: "python async", limit: 5 } }] },
    },
    { created_at: "2025-11-25T10:30:06.123456", message_type: "tool_call_response", message_content: "Found 5 documents", meta: {} },
  ],
};
const ECHO_ROOM = "2025-11-25_conversation-with-123456789012345678-in-987654321";

describe("import-echo", () => {
  it("imports the reference conversation as a room of its guild's namespace", async () => {
    const file = join(dir, `${ECHO_ROOM}.json`);
    writeFileSync(file, JSON.stringify(ECHO));
    const { code, out } = await run("import-echo", ["--target", server.address, file]);
    expect(out).toContain("imported: 1 rooms created");
    expect(code).toBe(0);
    const { messages } = await history(ECHO_ROOM);
    expect(messages.map((m) => [m.role, m.kind, m.content])).toEqual([
      [Role.ROLE_USER, MessageKind.MESSAGE_KIND_UNSPECIFIED, "Hello, Echo!"],
      [Role.ROLE_ASSISTANT, MessageKind.MESSAGE_KIND_THINKING, "Processing request..."],
      [Role.ROLE_ASSISTANT, MessageKind.MESSAGE_KIND_UNSPECIFIED, "Hi! How can I help you?"],
      [Role.ROLE_ASSISTANT, MessageKind.MESSAGE_KIND_UNSPECIFIED, "Calling search_documents"],
      [Role.ROLE_TOOL, MessageKind.MESSAGE_KIND_UNSPECIFIED, "Found 5 documents"],
    ]);
    expect(messages[0].sender).toBe("123456789012345678");
    expect(messages[0].createdAt).toEqual({ seconds: Date.UTC(2025, 10, 25, 10, 30, 0) / 1000, nanos: 123_456_000 });
    expect(messages[3].toolCalls).toEqual([{ id: "call_4_1", name: "search_documents", arguments: '{"query":"python async","limit":5}' }]);
    expect(messages[4].toolCallId).toBe("call_4_1");
    expect(messages.every((m) => m.tokens > 0)).toBe(true);
    const room = await info(ECHO_ROOM);
    expect(room.metadata).toMatchObject({ title: "My Discord Server 2025-11-25", namespace: "987654321", summary: "User asked about async programming" });
    expect(room.metadata?.participants.map((p) => p.id)).toEqual(["123456789012345678", "987654321012345678"]);
    expect(room.createdAt).toEqual({ seconds: Date.UTC(2025, 10, 25, 10, 30, 0) / 1000, nanos: 0 });

    const again = await run("import-echo", ["--target", server.address, file]);
    expect(again.out).toMatch(/refused room "2025-11-25_conversation.*already exists/);
    expect(again.code).toBe(1);
  });

  it("writes a roomhistory.export.v1 file with --out, with --namespace", async () => {
    const file = join(dir, "thread.json");
    writeFileSync(file, JSON.stringify({ ...ECHO, thread_id: "thread-42" }));
    const out = join(dir, "echo.jsonl");
    const res = await run("import-echo", ["--out", out, "--namespace", "guild", file]);
    expect(res.code, res.out).toBe(0);
    const lines = readFileSync(out, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, Record<string, unknown>>);
    expect(lines[0].header).toMatchObject({ format: "roomhistory.export.v1", source: "echo-bot" });
    expect(lines[1].room).toMatchObject({ roomId: "thread-42", metadata: { namespace: "guild" } });
  });
});

describe("import-legacy", () => {
  it("imports a legacy ConversationManager's rooms (list and :ver), skipping what it cannot read", async () => {
    const prefix = uniquePrefix("legacy");
    const legacy = new Redis(redis.url);
    try {
      await legacy.rpush(`${prefix}:guild:1`,
        JSON.stringify({ role: "user", content: "[Message ID: 111] hi there" }),
        JSON.stringify({ role: "assistant", content: "hello" }),
        "not json",
        JSON.stringify({ role: "user", content: [{ type: "text", text: "look" }, { type: "image_url", image_url: { url: "https://x/y.png" } }] }),
        JSON.stringify({ role: "user", content: "[Message ID: 112] [deleted at 2025-01-01T00:00:00Z] gone" }));
      await legacy.set(`${prefix}:guild:1:ver`, "17");
      await legacy.rpush(`${prefix}:dm-2`, JSON.stringify({ role: "user", content: "solo" }));
      const { code, out } = await run("import-legacy", ["--redis", redis.url, "--prefix", prefix, "--target", server.address]);
      expect(out).toContain("imported: 2 rooms created");
      expect(out).toContain("1 entries left out");
      expect(code).toBe(0);
    } finally {
      legacy.disconnect();
    }
    const { messages, version } = await history("guild:1");
    expect(version).toBe(17);
    expect(messages.map((m) => [m.id, m.seq, m.role])).toEqual([
      ["111", 1, Role.ROLE_USER], ["legacy-2", 2, Role.ROLE_ASSISTANT], ["legacy-3", 3, Role.ROLE_USER], ["112", 4, Role.ROLE_USER],
    ]);
    expect(messages[2].parts).toHaveLength(2);
    expect(messages[3].deletedAt).toEqual({ seconds: Date.UTC(2025, 0, 1) / 1000, nanos: 0 });
    expect((await history("dm-2")).messages.map((m) => m.content)).toEqual(["solo"]);
  });
});
