import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { status } from "@grpc/grpc-js";
import { MessageKind, Role } from "@roomhistory/client/gen/roomhistory/v1/message.js";
import { IdMarkers, RenderForm } from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import { TestRedis } from "../helpers/redis.js";
import { startTestServer, uniquePrefix, type TestServer } from "../helpers/server.js";
import { assistant, expectStatus, rpc, user } from "../helpers/rpc.js";

const TEMPLATES = fileURLToPath(new URL("../fixtures/templates", import.meta.url));
let redis: TestRedis;
let server: TestServer;
let api: ReturnType<typeof rpc>;

beforeAll(async () => {
  redis = await TestRedis.start();
  server = await startTestServer({
    ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix(), ROOMHISTORY_TEMPLATES: TEMPLATES,
    ROOMHISTORY_DEFAULT_TEMPLATE: "agent.j2",
  });
  api = rpc(server.client);
});
afterAll(async () => {
  await server?.stop();
  await redis?.stop();
});

const tool = (callId: string, content: string) => ({ ...user(content), role: Role.ROLE_TOOL, toolCallId: callId });
const call = (id: string, name: string) => ({ id, name, arguments: `{"q":"${id}"}` });

it("renders the system prompt from a template with the room context, then the history", async () => {
  await api.append({ roomId: "r", messages: [user("hi <b>&", { id: "u1" }), assistant("hello")] });
  await api.reactions({ roomId: "r", messageId: "u1", reactions: [{ emoji: "👍", count: 2 }] });
  await api.markDeleted({ roomId: "r", messageId: "u1", deletedAt: { seconds: 1_700_000_000, nanos: 0 } });
  const req = {
    roomId: "r",
    roomContext: { room_name: "Dev & Ops", bot_name: "Rh", tools: [{ name: "search" }, { name: "calc" }] },
  };
  const res = await api.render(req);
  expect(res.messages[0]).toMatchObject({ role: "system", content: "You are Rh in Dev & Ops (room r).\nTools: search, calc." });
  expect(res.messages[1].content).toBe("[Message ID: u1] hi <b>& [Reactions: 👍×2] [deleted at 2023-11-14T22:13:20Z]");
  expect(res.version).toBe(3);
  expect(res.estimatedTokens).toBeGreaterThan(10);
  expect(res.messagesJson).toBe(""); // one form per reply: messages unless asked otherwise
  const json = await api.render({ ...req, form: RenderForm.RENDER_FORM_JSON });
  expect(json.messages).toEqual([]);
  expect(json.estimatedTokens).toBe(res.estimatedTokens);
  const hello = res.messages[2].content;
  expect(hello).toMatch(/^\[Message ID: rh_[\w-]+\] hello$/);
  expect(JSON.parse(json.messagesJson)).toEqual([
    { role: "system", content: res.messages[0].content },
    { role: "user", content: res.messages[1].content },
    { role: "assistant", content: hello },
  ]);
});

it("repairs orphaned tool calls and results, and leaves out thinking", async () => {
  await api.append({ roomId: "tools", messages: [
    tool("ghost", "result without a call"),
    user("what is 6*7?"),
    assistant("", { toolCalls: [call("c1", "calc"), call("c2", "search")] }),
    tool("c1", "42"),
    assistant("let me think", { kind: MessageKind.MESSAGE_KIND_THINKING }),
    assistant("It is 42."),
  ] });
  const res = await api.render({
    roomId: "tools", roomContext: { room_name: "t" }, form: RenderForm.RENDER_FORM_JSON, idMarkers: IdMarkers.ID_MARKERS_OFF,
  });
  const chat = JSON.parse(res.messagesJson) as unknown[];
  expect(chat.slice(1)).toEqual([
    { role: "user", content: "what is 6*7?" },
    { role: "assistant", content: null, tool_calls: [
      { id: "c1", type: "function", function: { name: "calc", arguments: '{"q":"c1"}' } },
      { id: "c2", type: "function", function: { name: "search", arguments: '{"q":"c2"}' } },
    ] },
    { role: "tool", tool_call_id: "c1", content: "42" },
    { role: "tool", tool_call_id: "c2", content: "ERROR: the call to search returned no result." },
    { role: "assistant", content: "It is 42." },
  ]);
  expect(res.repaired).toBe(2);
  const withThinking = await api.render({
    roomId: "tools", roomContext: { room_name: "t" }, includeThinking: true, idMarkers: IdMarkers.ID_MARKERS_OFF,
  });
  expect(withThinking.messages.map((m) => m.content)).toContain("let me think");
});

it("names the template and line of a template error", async () => {
  const syntax = await expectStatus(api.render({ roomId: "r", template: "broken-syntax.j2" }), status.INVALID_ARGUMENT);
  expect(syntax.err.details).toMatch(/^template: broken-syntax\.j2 line 2, column \d+: /);
  const runtime = await expectStatus(api.render({ roomId: "r", template: "broken-runtime.j2" }), status.INVALID_ARGUMENT);
  expect(runtime.err.details).toMatch(/^template: broken-runtime\.j2 line 3, column \d+: /);
  expect((await api.info({ roomId: "r" })).version).toBe(3);
});
