/**
 * RenderMessages' assembly: the history part depends only on the snapshot, so it is built once per
 * room version and reused; the system prompt depends on the request and is rendered every time.
 */
import type { RenderedMessage, RenderMessagesResponse } from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import { chatHistory, estimateTokens, type ChatMessage } from "../prompt/chat.js";
import type { RoomSnapshot } from "../store/store.js";
import { memo } from "./encoded.js";

interface RenderedHistory {
  rendered: RenderedMessage[];
  /** The history's JSON array without its brackets, ready to follow the system message. */
  json: string;
  tokens: number;
  repaired: number;
}

const histories = { plain: new WeakMap<RoomSnapshot, RenderedHistory>(), thinking: new WeakMap<RoomSnapshot, RenderedHistory>() };

function renderHistory(snap: RoomSnapshot, includeThinking: boolean): RenderedHistory {
  const history = chatHistory(snap.entries, includeThinking);
  return {
    rendered: history.messages.map(toRendered),
    json: JSON.stringify(history.messages).slice(1, -1),
    tokens: estimateTokens(history.messages),
    repaired: history.repaired,
  };
}

export function renderResponse(snap: RoomSnapshot, system: string, includeThinking: boolean): RenderMessagesResponse {
  const cache = includeThinking ? histories.thinking : histories.plain;
  const history = memo(cache, snap, () => renderHistory(snap, includeThinking));
  const head: ChatMessage[] = system ? [{ role: "system", content: system }] : [];
  const json = [...head.map((m) => JSON.stringify(m)), history.json].filter(Boolean).join(",");
  return {
    messages: [...head.map(toRendered), ...history.rendered],
    version: snap.version,
    estimatedTokens: estimateTokens(head) + history.tokens,
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
