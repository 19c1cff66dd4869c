/**
 * RenderMessages' assembly: the history part depends only on the snapshot, so it is built once per
 * room version and form and reused; the system prompt depends on the request and is rendered every
 * time. A reply carries one form: `messages` or `messages_json`, never both.
 */
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import {
  RenderForm, RenderMessagesResponse, type RenderedMessage,
} from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import { chatHistory, estimateTokens, type ChatMessage } from "../prompt/chat.js";
import type { RoomSnapshot } from "../store/store.js";
import type { Derived } from "../store/snapshot-cache.js";
import { invalid } from "../domain/errors.js";
import { Encoded } from "../wire/encoded.js";

/** The two forms a reply may take; RENDER_FORM_UNSPECIFIED is read as messages. */
export type Form = "messages" | "json";

export function renderForm(form: RenderForm | undefined): Form {
  if (form === RenderForm.RENDER_FORM_JSON) return "json";
  if (form === undefined || form === RenderForm.RENDER_FORM_UNSPECIFIED || form === RenderForm.RENDER_FORM_MESSAGES) {
    return "messages";
  }
  throw invalid("form", `unknown render form ${form}`);
}

/** A room's rendered history in one form: only its encoded bytes are kept. */
export interface RenderedHistory {
  tokens: number;
  repaired: number;
  /** messages: RenderMessagesResponse.messages entries (field 1); json: the JSON array's items, no brackets. */
  encoded: Buffer;
}

/** Keeps a rendered history per snapshot (the handler passes the store's SnapshotCache.derive). */
export type Memoize = (key: string, make: () => Derived<RenderedHistory>) => RenderedHistory;

const NO_MEMO: Memoize = (_, make) => make().value;

export function renderHistory(snap: RoomSnapshot, includeThinking: boolean, form: Form): RenderedHistory {
  const history = chatHistory(snap.entries, includeThinking);
  const encoded = form === "json"
    ? Buffer.from(JSON.stringify(history.messages).slice(1, -1), "utf8")
    : Buffer.from(RenderMessagesResponse.encode({ ...EMPTY, messages: history.messages.map(toRendered) }).finish());
  return { tokens: estimateTokens(history.messages), repaired: history.repaired, encoded };
}

const EMPTY: RenderMessagesResponse = RenderMessagesResponse.fromPartial({});
const MESSAGES_JSON_TAG = (4 << 3) | 2; // field 4, length-delimited

/**
 * The reply, serialised by pasting the per-version history bytes behind the per-call head: protobuf
 * allows a message's fields in any order, and a repeated field's entries are read in the order they
 * come, so the system message still precedes the history.
 */
export function encodedRenderResponse(
  snap: RoomSnapshot, system: string, includeThinking: boolean, form: Form = "messages", memoize: Memoize = NO_MEMO,
): Encoded {
  const history = memoize(`render:${form}:${includeThinking}`, () => {
    const value = renderHistory(snap, includeThinking, form);
    return { value, bytes: value.encoded.length };
  });
  const head: ChatMessage[] = system ? [{ role: "system", content: system }] : [];
  const headBytes = RenderMessagesResponse.encode({
    ...EMPTY,
    messages: form === "messages" ? head.map(toRendered) : [],
    version: snap.version,
    estimatedTokens: estimateTokens(head) + history.tokens,
    messagesJson: "",
    repaired: history.repaired,
  }).finish();
  if (form === "messages") return new Encoded(headBytes, history.encoded);
  const open = `[${head.map((m) => JSON.stringify(m)).join(",")}${head.length && history.encoded.length ? "," : ""}`;
  const openBytes = Buffer.from(open, "utf8");
  const length = openBytes.length + history.encoded.length + 1;
  const jsonHead = new BinaryWriter().uint32(MESSAGES_JSON_TAG).uint32(length).finish();
  return new Encoded(headBytes, jsonHead, openBytes, history.encoded, Buffer.from("]"));
}

/** The reply as an object: what encodedRenderResponse serialises, and the reference its tests check. */
export function renderResponse(snap: RoomSnapshot, system: string, includeThinking: boolean, form: Form = "messages"): RenderMessagesResponse {
  const history = chatHistory(snap.entries, includeThinking);
  const all: ChatMessage[] = [...(system ? [{ role: "system", content: system }] : []), ...history.messages];
  return {
    ...EMPTY,
    messages: form === "messages" ? all.map(toRendered) : [],
    version: snap.version,
    estimatedTokens: estimateTokens(all),
    messagesJson: form === "json" ? JSON.stringify(all) : "",
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
    name: "",
    isError: false,
    toolResults: [],
  };
}
