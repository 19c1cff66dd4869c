/**
 * RenderMessages' assembly. The history depends only on the snapshot and the options, so it is shaped
 * and counted once per room version and options (prepare) and, for each budget cut, encoded once
 * (historyBytes); the system prompt depends on the request (src/prompt/templates.ts keeps its renders),
 * and the whole reply is kept per snapshot, options and system prompt text. A reply carries one form:
 * `messages` or `messages_json`, never both.
 */
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import {
  RenderMessagesResponse, type RenderedMessage,
} from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import { chatHistory } from "../prompt/chat.js";
import { costHistory, cutHistory, systemTokens, type CostedHistory, type Cut } from "../prompt/budget.js";
import { shapeOpenAI, type OpenAIMessage } from "../prompt/formats/openai.js";
import {
  anthropicTokens, assembleAnthropic, placeholderTurn, shapeAnthropic, type AnthropicMessage,
} from "../prompt/formats/anthropic.js";
import type { Shaped } from "../prompt/formats/shaped.js";
import type { RoomSnapshot } from "../store/store.js";
import type { Derived } from "../store/snapshot-cache.js";
import { Encoded } from "../wire/encoded.js";
import { ReplySlot } from "../prompt/response-cache.js";
import { MemoryBankUse } from "@roomhistory/client/gen/roomhistory/v1/memory_bank.js";
import { encodingValue, renderOptions, shapeKey, type RenderOptions } from "./render-options.js";
import { fromAnthropic, fromOpenAI } from "./render-proto.js";

export { renderForm, renderOptions, type Form, type RenderOptions } from "./render-options.js";

/** Keeps a value per snapshot (the handler passes the store's SnapshotCache.derive). */
export type Memoize = <T>(key: string, make: () => Derived<T>) => T;

const NO_MEMO: Memoize = (_, make) => make().value;

/** The history shaped for one target and counted: what every cut of it is made from. */
export interface PreparedHistory {
  pieces: Shaped<OpenAIMessage | null>[] | Shaped<AnthropicMessage>[];
  costed: CostedHistory;
  repaired: number;
  /** Anthropic: tokens of the placeholder turn a cut starting at i needs (0 where none). */
  lead: number[];
}

export function prepareHistory(snap: RoomSnapshot, o: RenderOptions): PreparedHistory {
  const chat = chatHistory(snap.entries, {
    includeThinking: o.includeThinking, idMarkers: o.idMarkers, senderPrefix: o.senderStyle === "prefix",
  });
  const pieces = o.format === "openai"
    ? chat.messages.map((m) => shapeOpenAI(m, o.senderStyle === "name", o.encoding))
    : chat.messages.map((m) => shapeAnthropic(m, o.encoding));
  const costed = costHistory(pieces.map((p) => p.tokens), chat.messages.map((m) => m.role), pieces.map((p) => p.synthetic));
  const lead = new Array<number>(pieces.length + 1).fill(0);
  if (o.format === "anthropic") {
    // A history that opens with an assistant turn (the first piece with blocks) gets a placeholder user turn.
    const placeholder = anthropicTokens(placeholderTurn(), o.encoding);
    let firstRole = "";
    for (let i = pieces.length - 1; i >= 0; i--) {
      const v = pieces[i].value as AnthropicMessage;
      if (v.content.length) firstRole = v.role;
      lead[i] = firstRole === "assistant" ? placeholder : 0;
    }
  }
  return { pieces, costed, repaired: chat.repaired, lead };
}

/** The kept part of a history, in the target's shape. */
interface Window {
  json: (OpenAIMessage | AnthropicMessage)[];
  proto: RenderedMessage[];
  dropped: number;
  converted: number;
}

function windowOf(prep: PreparedHistory, start: number, format: RenderOptions["format"]): Window {
  const kept = prep.pieces.slice(start);
  const dropped = kept.reduce((n, p) => n + p.dropped, 0);
  const converted = kept.reduce((n, p) => n + p.converted, 0);
  if (format === "openai") {
    const pieces = (kept as Shaped<OpenAIMessage | null>[]).filter((p): p is Shaped<OpenAIMessage> => p.value !== null);
    return { json: pieces.map((p) => p.value), proto: pieces.map((p) => fromOpenAI(p.value, p.isError)), dropped, converted };
  }
  const turns = assembleAnthropic((kept as Shaped<AnthropicMessage>[]).map((p) => p.value));
  return { json: turns, proto: turns.map(fromAnthropic), dropped, converted };
}

/** A cut's history in one form: only its encoded bytes and counters are kept. */
export interface RenderedHistory {
  dropped: number;
  converted: number;
  /** messages: RenderMessagesResponse.messages entries (field 1); json: the JSON array's items, no brackets. */
  encoded: Buffer;
}

const EMPTY: RenderMessagesResponse = RenderMessagesResponse.fromPartial({});
const MESSAGES_JSON_TAG = (4 << 3) | 2; // field 4, length-delimited

function historyBytes(prep: PreparedHistory, start: number, o: RenderOptions): RenderedHistory {
  const w = windowOf(prep, start, o.format);
  const encoded = o.form === "json"
    ? Buffer.from(JSON.stringify(w.json).slice(1, -1), "utf8")
    : Buffer.from(RenderMessagesResponse.encode({ ...EMPTY, messages: w.proto }).finish());
  return { dropped: w.dropped, converted: w.converted, encoded };
}

/** Everything a reply says besides its messages. */
function replyHead(snap: RoomSnapshot, system: string, o: RenderOptions, prep: PreparedHistory, cut: Cut) {
  return {
    version: snap.version,
    estimatedTokens: Math.ceil(cut.tokens * o.scale),
    repaired: prep.repaired,
    system,
    droppedMessages: prep.costed.storedBefore[cut.start],
    truncated: cut.start > 0 && prep.costed.storedBefore[cut.start] > 0,
    encoding: encodingValue(o.encoding),
    tokensExact: o.format === "openai",
  };
}

function systemMessage(system: string, o: RenderOptions): OpenAIMessage[] {
  return system && o.format === "openai" ? [{ role: "system", content: system }] : [];
}

function cutOf(prep: PreparedHistory, system: string, o: RenderOptions): Cut {
  return cutHistory(prep.costed, systemTokens(system, o.encoding), o.maxTokens, o.scale, (start) => prep.lead[start]);
}

/**
 * The reply, serialised: kept whole per snapshot, options and system prompt (an unchanged render is
 * handed out again), else assembled by assembleReply. Whatever else a reply carries must not come from
 * here unless it is part of that key: e.g. memory_bank_tokens belongs in a part the caller adds to the
 * Encoded (a field appended after these bytes), not in the kept head.
 */
export function encodedRenderResponse(
  snap: RoomSnapshot, system: string, options: RenderOptions = renderOptions({}), memoize: Memoize = NO_MEMO,
): EncodedRender {
  if (memoize === NO_MEMO) return assembleReply(snap, system, options, memoize);
  // The whole reply is kept per snapshot, options and system prompt (src/prompt/response-cache.ts).
  const o = options;
  const slot = memoize(`reply:${shapeKey(o)}:${o.form}:${o.maxTokens}:${o.scale}`,
    () => ReplySlot.sizedFor<EncodedRender>(system));
  const kept = slot.get(system);
  if (kept) return kept;
  const made = assembleReply(snap, system, o, memoize);
  slot.set(system, made);
  return made;
}

/** A reply serialised, and its estimate (ReportUsage compares with it). */
export interface EncodedRender {
  reply: Encoded;
  estimatedTokens: number;
}

/**
 * The reply, serialised by pasting the cached history bytes behind the per-call head: protobuf allows
 * a message's fields in any order, and a repeated field's entries are read in the order they come, so
 * the system message still precedes the history.
 */
function assembleReply(snap: RoomSnapshot, system: string, options: RenderOptions, memoize: Memoize): EncodedRender {
  const o = options;
  const key = shapeKey(o);
  const prep = memoize(`render:${key}`, () => ({ value: prepareHistory(snap, o), bytes: preparedBytes(snap) }));
  const cut = cutOf(prep, system, o);
  const history = memoize(`render:${key}:${o.form}:${cut.start}`, () => {
    const value = historyBytes(prep, cut.start, o);
    return { value, bytes: value.encoded.length };
  });
  const head = systemMessage(system, o);
  const fields = replyHead(snap, system, o, prep, cut);
  const headBytes = RenderMessagesResponse.encode({
    ...EMPTY, ...fields, droppedParts: history.dropped, convertedParts: history.converted,
    messages: o.form === "messages" ? head.map((m) => fromOpenAI(m)) : [],
  }).finish();
  const estimatedTokens = fields.estimatedTokens;
  if (o.form === "messages") return { reply: new Encoded(headBytes, history.encoded), estimatedTokens };
  const open = `[${head.map((m) => JSON.stringify(m)).join(",")}${head.length && history.encoded.length ? "," : ""}`;
  const openBytes = Buffer.from(open, "utf8");
  const length = openBytes.length + history.encoded.length + 1;
  const jsonHead = new BinaryWriter().uint32(MESSAGES_JSON_TAG).uint32(length).finish();
  return { reply: new Encoded(headBytes, jsonHead, openBytes, history.encoded, Buffer.from("]")), estimatedTokens };
}

/** What a prepared history holds: its pieces are about the snapshot's JSON again, plus the arrays. */
function preparedBytes(snap: RoomSnapshot): number {
  return 2 * snap.bytes + 64 * snap.entries.length;
}

/**
 * The render made ahead of the read, from the snapshot the store holds, while the read revalidates it
 * (src/service/room-history.ts): the caller uses it only when the read returns that very snapshot, so
 * the CPU of a render overlaps the Redis round trip and freshness is the read's. Undefined when nothing
 * is cached, when the request reads the memory bank (a read of its own, made after the room's), or when
 * rendering fails (the render after the read then reports the error).
 */
export function renderAhead<T>(
  snapshot: RoomSnapshot | undefined, req: { memoryBank?: MemoryBankUse }, render: (from: RoomSnapshot) => T,
): { from: RoomSnapshot; made: T } | undefined {
  const bank = req.memoryBank ?? MemoryBankUse.MEMORY_BANK_USE_UNSPECIFIED;
  const readsBank = bank !== MemoryBankUse.MEMORY_BANK_USE_UNSPECIFIED && bank !== MemoryBankUse.MEMORY_BANK_USE_NONE;
  if (!snapshot || readsBank) return undefined;
  try {
    return { from: snapshot, made: render(snapshot) };
  } catch {
    return undefined;
  }
}

/** The reply as an object: what encodedRenderResponse serialises, and the reference its tests check. */
export function renderResponse(snap: RoomSnapshot, system: string, options: RenderOptions = renderOptions({})): RenderMessagesResponse {
  const o = options;
  const prep = prepareHistory(snap, o);
  const cut = cutOf(prep, system, o);
  const w = windowOf(prep, cut.start, o.format);
  const head = systemMessage(system, o);
  return {
    ...EMPTY,
    ...replyHead(snap, system, o, prep, cut),
    messages: o.form === "messages" ? [...head.map((m) => fromOpenAI(m)), ...w.proto] : [],
    messagesJson: o.form === "json" ? JSON.stringify([...head, ...w.json]) : "",
    droppedParts: w.dropped,
    convertedParts: w.converted,
  };
}
