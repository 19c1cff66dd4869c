import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { status } from "@grpc/grpc-js";
import { MessageKind, Role } from "@roomhistory/client/gen/roomhistory/v1/message.js";
import {
  IdMarkers, RenderForm, RenderFormat, SenderStyle, TokenEncoding,
} from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import { recallEstimate } from "../../src/service/usage-memory.js";
import { TestRedis } from "../helpers/redis.js";
import { serversForEachStore, startTestServer, STORE_KINDS, uniquePrefix, type TestServer } from "../helpers/server.js";
import { assistant, expectStatus, rpc, user } from "../helpers/rpc.js";
import { WatchRecorder } from "../helpers/watch.js";

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

describe("audio and file parts", () => {
  const servers = serversForEachStore({ beforeAll, afterAll });
  const parts = [
    { text: "listen and read" },
    { inputAudio: { data: "UklGRg==", format: "wav" } },
    { file: { fileId: "", filename: "report.pdf", fileData: "data:application/pdf;base64,JVBERi0=" } },
    { file: { fileId: "file-abc", filename: "", fileData: "" } },
  ];

  it.each(STORE_KINDS)("are stored and returned as written (%s store), whatever a target can carry", async (kind) => {
    const store = rpc(servers[kind].client);
    const watch = new WatchRecorder(servers[kind].client, { rooms: [{ roomId: "parts", knownVersion: 0 }] });
    await watch.until((w) => w.responses.some((r) => r.created));
    await store.append({ roomId: "parts", messages: [user("", { parts }), assistant("", { parts: parts.slice(1) })] });
    const h = await store.history({ roomId: "parts" });
    expect(h.messages.map((m) => m.parts)).toEqual([parts, parts.slice(1)]);
    await watch.until((w) => w.changes.some((c) => c.messages.length === 2));
    watch.cancel();
    expect(watch.changes.find((c) => c.messages.length === 2)!.messages.map((m) => m.parts)).toEqual([parts, parts.slice(1)]);
    const r = await store.render({ roomId: "parts", format: RenderFormat.RENDER_FORMAT_ANTHROPIC_MESSAGES });
    // user: audio and the file id dropped, the PDF converted; assistant: all three dropped
    expect([r.droppedParts, r.convertedParts]).toEqual([5, 1]);
  });

  it("are refused when incomplete, naming the field", async () => {
    const bad: [object, string][] = [
      [{ inputAudio: { data: "", format: "wav" } }, "messages[0].parts[1].input_audio.data"],
      [{ inputAudio: { data: "AA==", format: "" } }, "messages[0].parts[1].input_audio.format"],
      [{ file: { fileId: "", filename: "x.pdf", fileData: "" } }, "messages[0].parts[1].file"],
      [{ file: { fileId: "", filename: "", fileData: "JVBERi0=" } }, "messages[0].parts[1].file.file_data"],
      [{}, "messages[0].parts[1]"],
    ];
    for (const [part, field] of bad) {
      const { err } = await expectStatus(api.append({ roomId: "bad-parts", messages: [user("", { parts: [{ text: "x" }, part] })] }),
        status.INVALID_ARGUMENT);
      expect(err.details.startsWith(`${field}: `), err.details).toBe(true);
    }
    expect((await api.info({ roomId: "bad-parts" })).exists).toBe(false);
  });
});

describe("options and budgets through the server", () => {
  const room = "budget";
  beforeAll(async () => {
    await api.append({ roomId: room, messages: [
      user("an old question ".repeat(40), { id: "o1", sender: "Zoë" }), assistant("an old answer", { id: "o2" }),
      user("the newest question", { id: "n1", sender: "李" }),
    ] });
  });

  it("keeps the newest turns that fit, reports the cut, and remembers the estimate for ReportUsage", async () => {
    const all = await api.render({ roomId: room });
    expect(all.messages.map((m) => m.name)).toEqual(["", "Zoe", "", "u674e"]);
    const cut = await api.render({ roomId: room, maxTokens: all.estimatedTokens - 1 });
    expect(cut).toMatchObject({ truncated: true, droppedMessages: 1, tokensExact: true, encoding: TokenEncoding.TOKEN_ENCODING_O200K_BASE });
    expect(cut.messages.map((m) => m.role)).toEqual(["system", "assistant", "user"]);
    expect(recallEstimate(room, cut.version, "openai")).toBe(cut.estimatedTokens);
    const anthropic = await api.render({ roomId: room, format: RenderFormat.RENDER_FORMAT_ANTHROPIC_MESSAGES, maxTokens: cut.estimatedTokens });
    expect(anthropic.messages[0].role).toBe("user");
    expect(anthropic.tokensExact).toBe(false);
    expect(recallEstimate(room, anthropic.version, "anthropic")).toBe(anthropic.estimatedTokens);
  });

  it("refuses a system prompt alone over max_tokens, and a sender style the format has not", async () => {
    const { err } = await expectStatus(api.render({ roomId: room, maxTokens: 5 }), status.RESOURCE_EXHAUSTED);
    expect(err.details).toMatch(/^max_tokens: /);
    const style = await expectStatus(api.render({
      roomId: room, format: RenderFormat.RENDER_FORMAT_ANTHROPIC_MESSAGES, senderStyle: SenderStyle.SENDER_STYLE_NAME,
    }), status.INVALID_ARGUMENT);
    expect(style.err.details).toMatch(/^sender_style: /);
  });
});
