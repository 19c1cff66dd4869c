/**
 * The render options (issue 10) through the client against a real server: format, senderStyle,
 * idMarkers, maxTokens and encoding reach RenderMessages; SetRoomRenderDefaults sets the template and
 * context a render without them uses; ReportUsage answers a calibration; a mirror takes a
 * RENDER_DEFAULTS change as a new version of the same history. As clients/python/tests/test_render_options.py.
 */
import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ChangeKind, IdMarkers, RenderForm, RenderFormat, Role, RoomHistoryClient, RoomMirror, SenderStyle, TokenEncoding,
  type RoomChangedEvent,
} from "@roomhistory/client";
import { TestRedis } from "../../../test/helpers/redis.js";
import { startTestServer, uniquePrefix, type TestServer } from "../../../test/helpers/server.js";

let redis: TestRedis;
let server: TestServer;
let client: RoomHistoryClient;

beforeAll(async () => {
  const templates = mkdtempSync(join(tmpdir(), "roomhistory-client-templates-"));
  copyFileSync(fileURLToPath(new URL("../../../templates/system.j2", import.meta.url)), join(templates, "system.j2"));
  writeFileSync(join(templates, "room.j2"), "Room {{ room_name }}: {{ greeting }}");
  redis = await TestRedis.start();
  server = await startTestServer({
    ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix("render-options"),
    ROOMHISTORY_TEMPLATES: templates,
  });
  client = new RoomHistoryClient(server.address);
});
afterAll(async () => {
  client?.close();
  await server?.stop();
  await redis?.stop();
});

let n = 0;
/** A room with a user turn from ana, an assistant's tool call and its (failed) result, and a reply. */
async function conversation(): Promise<string> {
  const roomId = `render-${++n}`;
  await client.appendMessages({
    roomId,
    messages: [
      { id: "m1", role: Role.ROLE_USER, sender: "ana", content: "what is x?" },
      { id: "m2", role: Role.ROLE_ASSISTANT, toolCalls: [{ id: "c1", name: "lookup", arguments: "{\"q\":\"x\"}" }] },
      { id: "m3", role: Role.ROLE_TOOL, toolCallId: "c1", content: "no such key", isError: true },
      { id: "m4", role: Role.ROLE_ASSISTANT, content: "I could not find x." },
    ],
  });
  return roomId;
}

describe("render options", () => {
  it("OpenAI (the default): name from the sender, id markers on, an ERROR: prefix on a failed result", async () => {
    const roomId = await conversation();
    const res = await client.renderMessages({ roomId });
    expect(res.messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "tool", "assistant"]);
    expect(res.messages[1]).toMatchObject({ name: "ana", content: "[Message ID: m1] what is x?" });
    expect(res.messages[3]).toMatchObject({ isError: true, toolCallId: "c1" });
    expect(res.messages[3].content).toContain("ERROR: ");
    expect(res.system).toBe(res.messages[0].content);
    expect(res).toMatchObject({ encoding: TokenEncoding.TOKEN_ENCODING_O200K_BASE, tokensExact: true, truncated: false });
  });

  it("senderStyle and idMarkers reach the server", async () => {
    const roomId = await conversation();
    const prefixed = await client.renderMessages({
      roomId, senderStyle: SenderStyle.SENDER_STYLE_PREFIX, idMarkers: IdMarkers.ID_MARKERS_OFF,
    });
    expect(prefixed.messages[1]).toMatchObject({ name: "", content: "ana: what is x?" });
    const none = await client.renderMessages({ roomId, senderStyle: SenderStyle.SENDER_STYLE_NONE });
    expect(none.messages[1]).toMatchObject({ name: "", content: "[Message ID: m1] what is x?" });
  });

  it("Anthropic: the system prompt apart, tool results as blocks of the next user turn", async () => {
    const roomId = await conversation();
    const res = await client.renderMessages({ roomId, format: RenderFormat.RENDER_FORMAT_ANTHROPIC_MESSAGES });
    expect(res.system).toContain("group chat");
    expect(res.messages.map((m) => m.role)).toEqual(["user", "assistant", "user", "assistant"]);
    expect(res.messages[2].toolResults[0]).toMatchObject({ toolCallId: "c1", isError: true });
    expect(res.tokensExact).toBe(false);
    const json = await client.renderMessages({
      roomId, format: RenderFormat.RENDER_FORMAT_ANTHROPIC_MESSAGES, form: RenderForm.RENDER_FORM_JSON,
    });
    const blocks = (JSON.parse(json.messagesJson) as { content: { type: string }[] }[])[2].content;
    expect(blocks[0].type).toBe("tool_result");
  });

  it("maxTokens keeps the newest turns that fit, counted in the encoding asked for", async () => {
    const roomId = await conversation();
    const whole = await client.renderMessages({ roomId, encoding: TokenEncoding.TOKEN_ENCODING_CL100K_BASE });
    expect(whole.encoding).toBe(TokenEncoding.TOKEN_ENCODING_CL100K_BASE);
    const cut = await client.renderMessages({
      roomId, encoding: TokenEncoding.TOKEN_ENCODING_CL100K_BASE, maxTokens: whole.estimatedTokens - 1,
    });
    expect(cut.truncated).toBe(true);
    expect(cut.droppedMessages).toBeGreaterThan(0);
    expect(cut.estimatedTokens).toBeLessThan(whole.estimatedTokens);
  });
});

describe("room render defaults and usage", () => {
  it("SetRoomRenderDefaults: a render without a template uses the room's, its context under the call's", async () => {
    const roomId = await conversation();
    const set = await client.setRoomRenderDefaults({
      roomId, template: "room.j2", roomContext: { room_name: "Lobby", greeting: "hello" },
      encoding: TokenEncoding.TOKEN_ENCODING_CL100K_BASE,
    });
    const res = await client.renderMessages({ roomId });
    expect(res).toMatchObject({ version: set.version, system: "Room Lobby: hello" });
    expect(res.encoding).toBe(TokenEncoding.TOKEN_ENCODING_CL100K_BASE);
    expect((await client.renderMessages({ roomId, roomContext: { greeting: "hi" } })).system).toBe("Room Lobby: hi");
    const info = await client.getRoomInfo({ roomId });
    expect(info).toMatchObject({ template: "room.j2", roomContext: { room_name: "Lobby", greeting: "hello" } });
  });

  it("ReportUsage answers the room's calibration for an Anthropic render", async () => {
    const roomId = await conversation();
    const format = RenderFormat.RENDER_FORMAT_ANTHROPIC_MESSAGES;
    const res = await client.renderMessages({ roomId, format });
    const usage = await client.reportUsage({
      roomId, version: res.version, inputTokens: res.estimatedTokens * 2, estimatedTokens: res.estimatedTokens, format,
    });
    expect(usage.samples).toBe(1);
    expect(usage.calibration).toBeGreaterThan(1);
  });

  it("a mirror takes a RENDER_DEFAULTS change as a new version of the same history, without a read", async () => {
    const roomId = await conversation();
    const mirror = new RoomMirror(client, [roomId]);
    const events: RoomChangedEvent[] = [];
    mirror.on("changed", (e) => events.push(e));
    try {
      await mirror.ready();
      const before = await mirror.getMessages(roomId);
      const { version } = await client.setRoomRenderDefaults({ roomId, template: "room.j2" });
      await mirror.waitForVersion(roomId, version, 5000);
      expect(events.at(-1)).toMatchObject({ version, refetched: false, change: { kind: ChangeKind.CHANGE_KIND_RENDER_DEFAULTS } });
      expect(await mirror.getMessages(roomId)).toEqual(before);
    } finally {
      mirror.close();
    }
  });
});
