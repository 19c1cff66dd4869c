/**
 * Realistic histories for the render tests: each is what workers append to a room (and, for the
 * legacy case, what a legacy ConversationManager wrote into Redis itself).
 */
import { Message, MessageKind, Role, type DeepPartial } from "@roomhistory/client/gen/roomhistory/v1/message.js";

const m = (role: Role, content: string, extra: DeepPartial<Message> = {}) => Message.fromPartial({ role, content, ...extra });
export const u = (content: string, extra: DeepPartial<Message> = {}) => m(Role.ROLE_USER, content, extra);
export const a = (content: string, extra: DeepPartial<Message> = {}) => m(Role.ROLE_ASSISTANT, content, extra);
export const sys = (content: string, extra: DeepPartial<Message> = {}) => m(Role.ROLE_SYSTEM, content, extra);
export const t = (callId: string, content: string, extra: DeepPartial<Message> = {}) =>
  m(Role.ROLE_TOOL, content, { toolCallId: callId, ...extra });
export const call = (id: string, name: string, args = `{"q":"${id}"}`) => ({ id, name, arguments: args });

const PNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
const WAV = Buffer.alloc(64_000).toString("base64"); // two seconds of 16 kHz 16-bit silence
const PDF = `data:application/pdf;base64,${Buffer.from("%PDF-1.4\n%%EOF").toString("base64")}`;
const img = (url: string, detail = "") => ({ imageUrl: { url, detail } });

/** Python's json.dumps, as the legacy manager writes entries. */
export const py = (role: string, content: unknown) => JSON.stringify({ role, content }).replace(/":/g, '": ').replace(/,"/g, ', "');

export interface History {
  name: string;
  messages: Message[];
  /** Raw legacy entries pushed before anything is appended. */
  legacy?: string[];
  includeThinking?: boolean;
}

export const HISTORIES: History[] = [
  { name: "multi-sender", messages: [
    u("hi all", { id: "m1", sender: "ana" }), u("hey ana", { id: "m2", sender: "bob" }),
    u("¿qué tal?", { id: "m3", sender: "Zoë" }), u("你好", { id: "m4", sender: "李" }),
    u("names with spaces", { sender: "Ana María López" }), u("long", { sender: "x".repeat(80) }),
    a("Hello everyone!", { id: "m5", sender: "helper-bot" }),
  ] },
  { name: "tools-parallel-and-errors", messages: [
    u("weather in Paris and Rome?", { id: "q" }),
    a("Checking both.", { id: "r", toolCalls: [call("call_1", "weather"), call("call_2", "weather")] }),
    t("call_1", "18°C, sunny"), t("call_2", "upstream timeout", { isError: true }),
    a("Paris is 18°C; Rome failed.", { id: "s" }),
    a("", { toolCalls: [call("call_3", "retry")] }), // never answered: the repair adds an error result
    u("thanks"),
  ] },
  { name: "images-everywhere", messages: [
    u("look", { parts: [{ text: "look at this" }, img("https://example.com/cat.png", "high"), img(PNG, "low")] }),
    a("I drew one", { parts: [img("https://example.com/drawn.png")] }),
    a("", { toolCalls: [call("c_img", "screenshot")] }),
    t("c_img", "", { parts: [{ text: "the screen" }, img(PNG)] }),
    u("odd detail", { parts: [img("https://example.com/a.webp", "ultra"), img("ftp://example.com/a.png")] }),
  ] },
  { name: "audio", messages: [
    u("", { parts: [{ inputAudio: { data: WAV, format: "wav" } }] }),
    u("and an ogg", { parts: [{ inputAudio: { data: "T2dnUw==", format: "ogg" } }] }),
    a("I can't speak", { parts: [{ inputAudio: { data: "AAAA", format: "mp3" } }] }),
  ] },
  { name: "pdf-files", messages: [
    u("summarise", { parts: [{ text: "summarise" }, { file: { fileId: "", filename: "report.pdf", fileData: PDF } }] }),
    u("and this upload", { parts: [{ file: { fileId: "file-abc123", filename: "", fileData: "" } }] }),
    u("a note", { parts: [{ file: { fileId: "", filename: "n.txt", fileData: "data:text/plain;base64,aGk=" } }] }),
    a("Summary: fine."),
  ] },
  { name: "thinking", includeThinking: true, messages: [
    u("2+2?"), a("let me think", { kind: MessageKind.MESSAGE_KIND_THINKING }), a("4", { kind: MessageKind.MESSAGE_KIND_CHAT }),
  ] },
  { name: "deleted-and-reacted", messages: [
    u("oops", { id: "d1", deletedAt: { seconds: 1_700_000_000, nanos: 0 } }),
    u("nice", { id: "d2", reactions: [{ emoji: "👍", count: 3 }, { emoji: "🎉", count: 0 }] }),
    a("", { id: "d3", toolCalls: [call("k", "noop")], reactions: [{ emoji: "❤", count: 1 }] }), t("k", "done"),
  ] },
  { name: "legacy-markers", legacy: [
    py("user", "[Message ID: 111] alice: hi there"),
    py("assistant", "hello alice"),
    py("user", [{ type: "text", text: "[Message ID: 112] look" }, { type: "image_url", image_url: { url: "https://example.com/c.png" } }]),
    py("user", "[Message ID: 113] [Reactions: 👍×2] [deleted at 2025-05-01T10:00:00Z] gone"),
  ], messages: [u("new one", { id: "114", sender: "alice" })] },
  { name: "consecutive-roles", messages: [
    u("one"), u("two"), sys("note: be brief"), a("three"), a("four"), u("five"),
  ] },
  { name: "leading-assistant-and-tool", messages: [
    t("ghost", "a result without its call"), a("Welcome back!", { id: "w" }), u("hi"),
  ] },
  { name: "empty-contents", messages: [
    u(""), a(""), u("", { parts: [img("https://example.com/only.png")] }),
    a("", { toolCalls: [call("e1", "f", ""), call("e2", "g", "not json"), call("e3", "h", "[1,2]")] }),
    t("e1", ""), t("e2", "", { isError: true }), t("e3", "ok"),
  ] },
  { name: "only-tools", messages: [t("x1", "stray"), t("x2", "stray too")] },
  { name: "empty-room", messages: [] },
  { name: "huge-message", messages: [u("word ".repeat(20_000).trim(), { sender: "Zoë" }), a("ok")] },
];
