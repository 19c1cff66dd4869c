/**
 * The pure shaping of a render (no server, no Redis): markers, senders, is_error, what each target
 * does with each part kind and role, and Anthropic's alternation.
 */
import { describe, expect, it } from "vitest";
import { renderOptions, renderResponse } from "../../src/service/render.js";
import { openaiName } from "../../src/prompt/formats/openai.js";
import { HISTORY_PLACEHOLDER } from "../../src/prompt/formats/anthropic.js";
import { withMarker, withoutMarker } from "../../src/domain/legacy-text.js";
import type { Entry } from "../../src/domain/entry.js";
import type { RoomSnapshot } from "../../src/store/store.js";
import { DomainError } from "../../src/domain/errors.js";

const snap = (entries: Entry[]): RoomSnapshot => ({
  version: 3, limit: 100, rebackfill: false, exists: true, ttlSeconds: 0, retentionIsDefault: true, bytes: 0, maxBytes: 0, entries,
});
const OPENAI = 1;
const ANTHROPIC = 2;
const JSON_FORM = 2;

/** The messages_json of a render, parsed. */
function render(entries: Entry[], req: Parameters<typeof renderOptions>[0] = {}) {
  const r = renderResponse(snap(entries), "", renderOptions({ form: JSON_FORM, ...req }));
  return { ...r, json: JSON.parse(r.messagesJson) as Record<string, unknown>[] };
}

const call = (id: string, args = "{}") => ({ id, type: "function" as const, function: { name: "f", arguments: args } });

describe("senders and markers", () => {
  const entries: Entry[] = [
    { role: "user", id: "u1", sender: "ana", content: "hi", reactions: [{ emoji: "👍", count: 2 }] },
    { role: "assistant", id: "a1", sender: "bot", content: "hello" },
    { role: "tool", tool_call_id: "x", content: "stray" },
  ];

  it("OpenAI: the sender as a sanitised name, the marker leading the text, tags after it", () => {
    const { json } = render(entries);
    expect(json).toEqual([
      { role: "user", content: "[Message ID: u1] hi [Reactions: 👍×2]", name: "ana" },
      { role: "assistant", content: "[Message ID: a1] hello", name: "bot" },
    ]);
  });

  it("prefix style: marker, then sender, then text (user messages only); none: neither", () => {
    expect(render(entries, { senderStyle: 2 }).json.map((m) => m.content)).toEqual(["[Message ID: u1] ana: hi [Reactions: 👍×2]", "[Message ID: a1] hello"]);
    expect(render(entries, { senderStyle: 3, idMarkers: 2 }).json).toEqual([
      { role: "user", content: "hi [Reactions: 👍×2]" }, { role: "assistant", content: "hello" },
    ]);
    const anthropic = render(entries, { format: ANTHROPIC }).json;
    expect(anthropic[0]).toEqual({ role: "user", content: [{ type: "text", text: "[Message ID: u1] ana: hi [Reactions: 👍×2]" }] });
  });

  it("gives legacy entries no second marker, and service entries written with one exactly one", () => {
    const legacy: Entry = { role: "user", content: "[Message ID: 9] alice: hi" };
    const written = withoutMarker({ ...withMarker({ role: "user", id: "10", content: "hello", sender: "bo" }) });
    expect(render([legacy, written], { senderStyle: 3 }).json.map((m) => m.content)).toEqual([
      "[Message ID: 9] alice: hi", "[Message ID: 10] hello",
    ]);
    expect(render([legacy], { idMarkers: 2 }).json[0].content).toBe("[Message ID: 9] alice: hi");
  });

  it("sanitises names to ^[a-zA-Z0-9_-]{1,64}$", () => {
    expect(openaiName("Zoë")).toBe("Zoe");
    expect(openaiName("李")).toBe("u674e");
    expect(openaiName("Ana María López")).toBe("Ana_Maria_Lopez");
    expect(openaiName("x".repeat(80))).toHaveLength(64);
    expect(openaiName("bob@example.com")).toBe("bob_example_com");
    for (const s of ["Zoë", "李", "a b", "💥", "x".repeat(80)]) expect(openaiName(s)).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
  });

  it("refuses a sender style the format has not, and unknown enum values, naming the field", () => {
    const fail = (req: Parameters<typeof renderOptions>[0]) => {
      try {
        renderOptions(req);
      } catch (err) {
        return (err as DomainError).message;
      }
      return "";
    };
    expect(fail({ format: ANTHROPIC, senderStyle: 1 })).toMatch(/^sender_style: /);
    const unknown = -1; // what ts-proto decodes an enum value it does not know to (UNRECOGNIZED)
    expect(fail({ format: unknown })).toMatch(/^format: /);
    expect(fail({ senderStyle: unknown })).toMatch(/^sender_style: /);
    expect(fail({ idMarkers: unknown })).toMatch(/^id_markers: /);
    expect(fail({ encoding: unknown })).toMatch(/^encoding: /);
  });
});

describe("tool results and errors", () => {
  const entries: Entry[] = [
    { role: "user", id: "q", content: "go" },
    { role: "assistant", id: "a", content: "", tool_calls: [call("c1"), call("c.2", "not json")] },
    { role: "tool", tool_call_id: "c1", content: "fine" },
    { role: "tool", tool_call_id: "c.2", content: "boom", is_error: true },
  ];

  it("OpenAI: an ERROR: prefix, and is_error on the proto form", () => {
    expect(render(entries).json.slice(2)).toEqual([
      { role: "tool", content: "fine", tool_call_id: "c1" }, { role: "tool", content: "ERROR: boom", tool_call_id: "c.2" },
    ]);
    const proto = renderResponse(snap(entries), "", renderOptions({}));
    expect(proto.messages.map((m) => m.isError)).toEqual([false, false, false, true]);
  });

  it("Anthropic: tool_use blocks, results opening the next user turn with is_error, raw arguments kept", () => {
    const r = render(entries, { format: ANTHROPIC });
    expect(r.json).toEqual([
      { role: "user", content: [{ type: "text", text: "[Message ID: q] go" }] },
      { role: "assistant", content: [
        { type: "tool_use", id: "c1", name: "f", input: {} }, { type: "tool_use", id: "c_2", name: "f", input: { _raw: "not json" } },
      ] },
      { role: "user", content: [
        { type: "tool_result", tool_use_id: "c1", content: "fine" },
        { type: "tool_result", tool_use_id: "c_2", content: "boom", is_error: true },
      ] },
    ]);
    expect(r.convertedParts).toBe(1);
    const proto = renderResponse(snap(entries), "", renderOptions({ format: ANTHROPIC }));
    expect(proto.messages[2].toolResults.map((t) => [t.toolCallId, t.content, t.isError])).toEqual([["c1", "fine", false], ["c_2", "boom", true]]);
  });
});

describe("parts per target", () => {
  const PNG = "data:image/png;base64,iVBORw0KGgo=";
  const PDF = "data:application/pdf;base64,JVBERi0=";
  const entries: Entry[] = [
    { role: "user", content: [
      { type: "text", text: "see" }, { type: "image_url", image_url: { url: PNG } },
      { type: "input_audio", input_audio: { data: "AAAA", format: "wav" } },
      { type: "file", file: { filename: "r.pdf", file_data: PDF } }, { type: "file", file: { file_id: "file-1" } },
    ] },
    { role: "assistant", content: [{ type: "text", text: "ok" }, { type: "image_url", image_url: { url: PNG } }],
      tool_calls: [call("c")] },
    { role: "tool", tool_call_id: "c", content: [{ type: "text", text: "shot" }, { type: "image_url", image_url: { url: PNG } }] },
  ];

  it("OpenAI: every kind on user messages, text only elsewhere, the rest dropped and counted", () => {
    const r = render(entries, { idMarkers: 2 });
    expect(r.json[0].content).toEqual([
      { type: "text", text: "see" }, { type: "image_url", image_url: { url: PNG } },
      { type: "input_audio", input_audio: { data: "AAAA", format: "wav" } },
      { type: "file", file: { filename: "r.pdf", file_data: PDF } }, { type: "file", file: { file_id: "file-1" } },
    ]);
    expect(r.json[1].content).toBe("ok");
    expect(r.json[2].content).toBe("shot");
    expect([r.droppedParts, r.convertedParts]).toEqual([2, 0]);
  });

  it("Anthropic: images and PDFs as blocks, tool images inside the result, audio and file ids dropped", () => {
    const r = render(entries, { idMarkers: 2, format: ANTHROPIC });
    expect(r.json[0].content).toEqual([
      { type: "text", text: "see" }, { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } },
      { type: "document", source: { type: "base64", media_type: "application/pdf", data: "JVBERi0=" }, title: "r.pdf" },
    ]);
    expect(r.json[1].content).toEqual([{ type: "text", text: "ok" }, { type: "tool_use", id: "c", name: "f", input: {} }]);
    expect(r.json[2].content).toEqual([{ type: "tool_result", tool_use_id: "c", content: [
      { type: "text", text: "shot" }, { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } },
    ] }]);
    // dropped: audio, file_id, the assistant's image; converted: the PDF, the tool result's image
    expect([r.droppedParts, r.convertedParts]).toEqual([3, 2]);
  });
});

it("leaves out a message without text whose every part the target drops, marker and all", () => {
  const entries: Entry[] = [
    { role: "user", id: "v1", sender: "ana", content: [{ type: "input_audio", input_audio: { data: "T2dn", format: "ogg" } }] },
    { role: "user", id: "v2", content: [{ type: "input_audio", input_audio: { data: "AAAA", format: "wav" } }] },
    { role: "user", id: "t1", content: "hi" },
  ];
  const openai = render(entries);
  expect(openai.json.map((m) => m.content)).toEqual([
    [{ type: "text", text: "[Message ID: v2]" }, { type: "input_audio", input_audio: { data: "AAAA", format: "wav" } }],
    "[Message ID: t1] hi",
  ]);
  expect(openai.droppedParts).toBe(1);
  const anthropic = render(entries, { format: ANTHROPIC });
  expect(anthropic.json).toEqual([{ role: "user", content: [{ type: "text", text: "[Message ID: t1] hi" }] }]);
  expect(anthropic.droppedParts).toBe(2);
});

describe("Anthropic alternation", () => {
  it("merges same-role turns, puts history system messages in a user turn, and never opens with an assistant", () => {
    const r = render([
      { role: "tool", tool_call_id: "ghost", content: "stray" },
      { role: "assistant", content: "welcome" }, { role: "assistant", content: "again" },
      { role: "system", content: "be brief" }, { role: "user", content: "hi" }, { role: "user", content: "" },
    ], { format: ANTHROPIC });
    expect(r.json).toEqual([
      { role: "user", content: [{ type: "text", text: HISTORY_PLACEHOLDER }] },
      { role: "assistant", content: [{ type: "text", text: "welcome" }, { type: "text", text: "again" }] },
      { role: "user", content: [{ type: "text", text: "System: be brief" }, { type: "text", text: "hi" }] },
    ]);
    expect(r.repaired).toBe(1);
  });

  it("renders a room of stray tool results as no messages, each counted as repaired", () => {
    const strays: Entry[] = [{ role: "tool", tool_call_id: "a", content: "x" }, { role: "tool", tool_call_id: "b", content: "y" }];
    for (const format of [OPENAI, ANTHROPIC]) expect(render(strays, { format })).toMatchObject({ json: [], repaired: 2 });
  });

  it("returns the system prompt apart, and an empty room as no messages", () => {
    const r = renderResponse(snap([]), "You are terse.", renderOptions({ format: ANTHROPIC, form: JSON_FORM }));
    expect([r.system, r.messagesJson]).toEqual(["You are terse.", "[]"]);
    const o = renderResponse(snap([]), "You are terse.", renderOptions({ form: JSON_FORM }));
    expect([o.system, JSON.parse(o.messagesJson)]).toEqual(["You are terse.", [{ role: "system", content: "You are terse." }]]);
  });

  it("leaves out messages with nothing to say, in both formats", () => {
    const entries: Entry[] = [{ role: "user", content: "" }, { role: "assistant", content: [] }, { role: "user", content: "x" }];
    expect(render(entries).json).toEqual([{ role: "user", content: "x" }]);
    expect(render(entries, { format: ANTHROPIC }).json).toEqual([{ role: "user", content: [{ type: "text", text: "x" }] }]);
  });
});
