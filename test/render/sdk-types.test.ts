/**
 * Every realistic history (histories.ts), rendered by a real server over real redis-server for
 * OpenAI and Anthropic in both forms, validates against the providers' own SDK request types
 * (sdk_types.py, the openai and anthropic packages in the project's venv), and the proto form carries
 * exactly what the JSON form does.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Redis } from "ioredis";
import type { ContentPart } from "@roomhistory/client/gen/roomhistory/v1/message.js";
import {
  IdMarkers, RenderForm, RenderFormat, SenderStyle, type RenderedMessage, type RenderMessagesResponse,
} from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import { TestRedis } from "../helpers/redis.js";
import { startTestServer, uniquePrefix, type TestServer } from "../helpers/server.js";
import { rpc } from "../helpers/rpc.js";
import { HISTORIES } from "./histories.js";

const PYTHON = process.env.ROOMHISTORY_TEST_PYTHON ?? fileURLToPath(new URL("../../.venv/bin/python", import.meta.url));

interface Job { name: string; format: "openai" | "anthropic"; messages: unknown[]; system?: string }

function checkWithSdks(jobs: Job[]): Record<string, string> {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: scripts/test.sh (npm test) creates the venv`);
  const out = execFileSync(PYTHON, [fileURLToPath(new URL("./sdk_types.py", import.meta.url))], {
    input: JSON.stringify(jobs), maxBuffer: 256 * 1024 * 1024,
  });
  return JSON.parse(out.toString()) as Record<string, string>;
}

let redis: TestRedis;
let raw: Redis;
let server: TestServer;
let api: ReturnType<typeof rpc>;
const prefix = uniquePrefix("sdk");

beforeAll(async () => {
  redis = await TestRedis.start();
  raw = redis.client();
  server = await startTestServer({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: prefix });
  api = rpc(server.client);
  for (const h of HISTORIES) {
    if (h.legacy) {
      await raw.rpush(`${prefix}:{${h.name}}`, ...h.legacy);
      await raw.set(`${prefix}:{${h.name}}:ver`, "1");
    }
    if (h.messages.length) await api.append({ roomId: h.name, messages: h.messages });
  }
});
afterAll(async () => {
  raw?.disconnect();
  await server?.stop();
  await redis?.stop();
});

/** OpenAI's JSON of a proto-form message (the inverse of src/service/render-proto.ts, written apart). */
function openaiJson(m: RenderedMessage): Record<string, unknown> {
  const out: Record<string, unknown> = { role: m.role };
  out.content = m.parts.length ? m.parts.map(openaiPart) : m.content === "" && m.toolCalls.length ? null : m.content;
  if (m.name) out.name = m.name;
  if (m.toolCalls.length) {
    out.tool_calls = m.toolCalls.map((c) => ({ id: c.id, type: "function", function: { name: c.name, arguments: c.arguments } }));
  }
  if (m.role === "tool") out.tool_call_id = m.toolCallId;
  return out;
}

function openaiPart(p: ContentPart): unknown {
  if (p.imageUrl) return { type: "image_url", image_url: p.imageUrl.detail ? { ...p.imageUrl } : { url: p.imageUrl.url } };
  if (p.inputAudio) return { type: "input_audio", input_audio: { ...p.inputAudio } };
  if (p.file) {
    const f = p.file;
    return { type: "file", file: { ...(f.fileId ? { file_id: f.fileId } : {}), ...(f.filename ? { filename: f.filename } : {}),
      ...(f.fileData ? { file_data: f.fileData } : {}) } };
  }
  return { type: "text", text: p.text };
}

function anthropicBlock(p: ContentPart): unknown {
  if (p.text !== undefined) return { type: "text", text: p.text };
  if (p.imageUrl) {
    const data = /^data:([^;]+);base64,(.*)$/.exec(p.imageUrl.url);
    return { type: "image", source: data ? { type: "base64", media_type: data[1], data: data[2] } : { type: "url", url: p.imageUrl.url } };
  }
  const data = /^data:([^;]+);base64,(.*)$/.exec(p.file!.fileData)!;
  return { type: "document", source: { type: "base64", media_type: data[1], data: data[2] }, ...(p.file!.filename ? { title: p.file!.filename } : {}) };
}

function anthropicJson(m: RenderedMessage): Record<string, unknown> {
  const results = m.toolResults.map((r) => ({
    type: "tool_result", tool_use_id: r.toolCallId,
    ...(r.parts.length ? { content: r.parts.map(anthropicBlock) } : r.content ? { content: r.content } : {}),
    ...(r.isError ? { is_error: true } : {}),
  }));
  const uses = m.toolCalls.map((c) => ({ type: "tool_use", id: c.id, name: c.name, input: JSON.parse(c.arguments) as unknown }));
  return { role: m.role, content: [...results, ...m.parts.map(anthropicBlock), ...uses] };
}

const VARIANTS = [
  { tag: "openai", format: RenderFormat.RENDER_FORMAT_OPENAI_CHAT },
  { tag: "openai-prefix-noids", format: RenderFormat.RENDER_FORMAT_OPENAI_CHAT, senderStyle: SenderStyle.SENDER_STYLE_PREFIX,
    idMarkers: IdMarkers.ID_MARKERS_OFF },
  { tag: "openai-none", format: RenderFormat.RENDER_FORMAT_OPENAI_CHAT, senderStyle: SenderStyle.SENDER_STYLE_NONE },
  { tag: "anthropic", format: RenderFormat.RENDER_FORMAT_ANTHROPIC_MESSAGES },
  { tag: "anthropic-none", format: RenderFormat.RENDER_FORMAT_ANTHROPIC_MESSAGES, senderStyle: SenderStyle.SENDER_STYLE_NONE },
  { tag: "anthropic-budget", format: RenderFormat.RENDER_FORMAT_ANTHROPIC_MESSAGES, maxTokens: 400 },
  { tag: "openai-budget", format: RenderFormat.RENDER_FORMAT_OPENAI_CHAT, maxTokens: 400 },
];

const counters = (r: RenderMessagesResponse) => {
  const { messages: _m, messagesJson: _j, ...rest } = r;
  return rest;
};

it("renders every history so that the OpenAI and Anthropic SDK types accept it, the same in both forms", async () => {
  const jobs: Job[] = [];
  for (const h of HISTORIES) {
    for (const v of VARIANTS) {
      const req = { roomId: h.name, roomContext: { room_name: "SDK" }, includeThinking: h.includeThinking ?? false, ...v };
      const json = await api.render({ ...req, form: RenderForm.RENDER_FORM_JSON });
      const proto = await api.render({ ...req, form: RenderForm.RENDER_FORM_MESSAGES });
      const messages = JSON.parse(json.messagesJson) as Record<string, unknown>[];
      const anthropic = v.format === RenderFormat.RENDER_FORMAT_ANTHROPIC_MESSAGES;
      expect(proto.messages.map(anthropic ? anthropicJson : openaiJson), `${h.name}/${v.tag}`).toEqual(messages);
      expect(counters(proto)).toEqual(counters(json));
      expect(json.tokensExact).toBe(!anthropic);
      if (anthropic) {
        expect(messages.map((m) => m.role)).toEqual(messages.map((_, i) => (i % 2 ? "assistant" : "user")));
        expect(JSON.stringify(messages)).not.toMatch(/"type":"text","text":""/);
      } else if (json.system) expect(messages[0]).toEqual({ role: "system", content: json.system });
      jobs.push({ name: `${h.name}/${v.tag}`, format: anthropic ? "anthropic" : "openai", messages, system: json.system });
    }
  }
  expect(jobs.length).toBeGreaterThanOrEqual(14 * VARIANTS.length);
  const results = checkWithSdks([...jobs, ...REFUSED]);
  for (const job of jobs) expect(results[job.name], `${job.name}: ${JSON.stringify(job.messages).slice(0, 600)}`).toBe("ok");
  // The checker itself refuses what the providers refuse (in the same Python run: pydantic's start is slow).
  for (const job of REFUSED) expect(results[job.name], job.name).not.toBe("ok");
});

const REFUSED: Job[] = [
  { name: "!assistant-image", format: "openai", messages: [{ role: "assistant", content: [{ type: "image_url", image_url: { url: "https://x" } }] }] },
  { name: "!tool-is-error", format: "openai", messages: [{ role: "tool", tool_call_id: "c", content: "x", is_error: true }] },
  { name: "!ogg", format: "openai", messages: [{ role: "user", content: [{ type: "input_audio", input_audio: { data: "AA==", format: "ogg" } }] }] },
  { name: "!bmp", format: "anthropic", messages: [{ role: "user", content: [{ type: "image", source: { type: "base64", media_type: "image/bmp", data: "AA==" } }] }] },
  { name: "!extra-key", format: "anthropic", messages: [{ role: "user", content: [{ type: "text", text: "x", name: "ana" }] }] },
];

it("keeps the default template's promise: it names the markers, and legacy and new messages carry exactly one", async () => {
  const r = await api.render({ roomId: "legacy-markers", form: RenderForm.RENDER_FORM_JSON, senderStyle: SenderStyle.SENDER_STYLE_NONE });
  expect(r.system).toContain('"[Message ID: X]" names a message');
  expect((JSON.parse(r.messagesJson) as { content: unknown }[]).slice(1).map((m) => m.content)).toEqual([
    "[Message ID: 111] alice: hi there",
    "hello alice",
    [{ type: "text", text: "[Message ID: 112] look" }, { type: "image_url", image_url: { url: "https://example.com/c.png" } }],
    "[Message ID: 113] [Reactions: 👍×2] [deleted at 2025-05-01T10:00:00Z] gone",
    "[Message ID: 114] new one",
  ]);
});
