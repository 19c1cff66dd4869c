/**
 * RenderMessages' assembly: the history part depends only on the snapshot, so it is built once per
 * room version and reused; the system prompt depends on the request and is rendered every time.
 */
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import {
  RenderMessagesResponse, type RenderedMessage,
} from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import { chatHistory, estimateTokens, type ChatMessage } from "../prompt/chat.js";
import type { RoomSnapshot } from "../store/store.js";
import { Encoded, memo } from "./encoded.js";

interface RenderedHistory {
  rendered: RenderedMessage[];
  /** The history's JSON array without its brackets, ready to follow the system message. */
  json: string;
  tokens: number;
  repaired: number;
  /** `rendered` encoded as RenderMessagesResponse.messages entries (field 1), appended to each reply. */
  encodedMessages: Buffer;
  /** `json` as UTF-8. */
  encodedJson: Buffer;
}

const histories = { plain: new WeakMap<RoomSnapshot, RenderedHistory>(), thinking: new WeakMap<RoomSnapshot, RenderedHistory>() };

function renderHistory(snap: RoomSnapshot, includeThinking: boolean): RenderedHistory {
  const history = chatHistory(snap.entries, includeThinking);
  const rendered = history.messages.map(toRendered);
  const json = JSON.stringify(history.messages).slice(1, -1);
  return {
    rendered,
    json,
    tokens: estimateTokens(history.messages),
    repaired: history.repaired,
    encodedMessages: Buffer.from(RenderMessagesResponse.encode({ ...EMPTY, messages: rendered }).finish()),
    encodedJson: Buffer.from(json, "utf8"),
  };
}

const EMPTY: RenderMessagesResponse = { messages: [], version: 0, estimatedTokens: 0, messagesJson: "", repaired: 0 };
const MESSAGES_JSON_TAG = (4 << 3) | 2; // field 4, length-delimited

/** The per-version history (built once) and the per-call system message of one reply. */
function replyParts(snap: RoomSnapshot, system: string, includeThinking: boolean) {
  const cache = includeThinking ? histories.thinking : histories.plain;
  const history = memo(cache, snap, () => renderHistory(snap, includeThinking));
  const head: ChatMessage[] = system ? [{ role: "system", content: system }] : [];
  return { history, head, estimatedTokens: estimateTokens(head) + history.tokens };
}

/**
 * The same reply as renderResponse, serialised by pasting the per-version history bytes behind the
 * per-call head: protobuf allows a message's fields in any order, and a repeated field's entries are
 * read in the order they come, so the system message still precedes the history.
 */
export function encodedRenderResponse(snap: RoomSnapshot, system: string, includeThinking: boolean): Encoded {
  const { history, head, estimatedTokens } = replyParts(snap, system, includeThinking);
  const headBytes = RenderMessagesResponse.encode({
    messages: head.map(toRendered),
    version: snap.version,
    estimatedTokens,
    messagesJson: "",
    repaired: history.repaired,
  }).finish();
  const open = `[${head.map((m) => JSON.stringify(m)).join(",")}${head.length && history.json ? "," : ""}`;
  const json = Buffer.concat([Buffer.from(open, "utf8"), history.encodedJson, Buffer.from("]")]);
  const jsonField = new BinaryWriter().uint32(MESSAGES_JSON_TAG).bytes(json).finish();
  return new Encoded(Buffer.concat([headBytes, jsonField, history.encodedMessages]));
}

/** The reply as an object: what encodedRenderResponse serialises, and the reference its tests check. */
export function renderResponse(snap: RoomSnapshot, system: string, includeThinking: boolean): RenderMessagesResponse {
  const { history, head, estimatedTokens } = replyParts(snap, system, includeThinking);
  const json = [...head.map((m) => JSON.stringify(m)), history.json].filter(Boolean).join(",");
  return {
    messages: [...head.map(toRendered), ...history.rendered],
    version: snap.version,
    estimatedTokens,
    messagesJson: `[${json}]`,
    repaired: history.repaired,
  };
}

function toRendered(m: ChatMessage): RenderedMessage {
  const parts = Array.isArray(m.content) ? m.content : [];
  return {
    role: m.role,
    content: typeof m.content === "string" ? m.content : "",
    parts: parts.map((p) =>
      p.type === "text" ? { text: p.text } : { imageUrl: { url: p.image_url.url, detail: p.image_url.detail ?? "" } },
    ),
    toolCalls: (m.tool_calls ?? []).map((c) => ({ id: c.id, name: c.function.name, arguments: c.function.arguments })),
    toolCallId: m.tool_call_id ?? "",
  };
}
