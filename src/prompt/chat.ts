/**
 * Turns a stored window into a target-neutral chat history: thinking left out, each message's text
 * decorated for the model (its "[Message ID: X]" marker, its sender as a prefix, the tags of its
 * deletion and reactions) and tool calls repaired so that every chat API accepts the order. The
 * target shapes (src/prompt/formats) decide what each role may carry.
 */
import { entryId, entryText, type Entry, type EntryPart } from "../domain/entry.js";
import { hasMarker, markerOf } from "../domain/legacy-text.js";
import { deletedTag, hasDeletedTag, hasReactionsTag, reactionsTag } from "../domain/tags.js";

/** One message of the neutral history (OpenAI's field names, as stored). */
export interface ChatMessage {
  role: string;
  /** Text parts already decorated, empty text parts left out; null for a call-only assistant turn. */
  content: string | EntryPart[] | null;
  tool_calls?: { id: string; type: "function"; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
  /** A failed tool result (stored, or a result the repair made up for an unanswered call). */
  is_error?: boolean;
  /** The stored sender, unsanitised (each target renders it its own way). */
  sender?: string;
  /** True for a result the repair added: not a stored message, so never counted as dropped. */
  synthetic?: boolean;
  /**
   * True when the message has no text of its own (its text part, if any, is only marker, prefix and
   * tags): a target that drops all its other parts then leaves the whole message out.
   */
  bare?: boolean;
}

export interface ChatList {
  messages: ChatMessage[];
  /** Tool results dropped (no matching call) plus synthetic results added (a call with no result). */
  repaired: number;
}

/** How a render decorates text; the target-specific choices (name vs prefix) are resolved before. */
export interface ShapeOptions {
  includeThinking: boolean;
  /** "[Message ID: X] " in front of user and assistant text. */
  idMarkers: boolean;
  /** "sender: " in front of user text. */
  senderPrefix: boolean;
}

const TEXT_ROLES = new Set(["user", "assistant"]);

/**
 * The text that leads a message, in one fixed order: marker, sender prefix, the text, then the tags.
 * Legacy entries carry marker and tags in their text already and get none a second time.
 */
function decorate(entry: Entry, text: string, hasContent: boolean, opts: ShapeOptions): string {
  const head: string[] = [];
  if (opts.idMarkers && TEXT_ROLES.has(entry.role) && hasContent) {
    const id = entryId(entry);
    if (id && !hasMarker(entry, id)) head.push(markerOf(id));
  }
  if (opts.senderPrefix && entry.role === "user" && entry.sender) head.push(`${entry.sender}:`);
  const tags: string[] = [];
  if (entry.reactions?.length && !hasReactionsTag(text)) tags.push(reactionsTag(entry.reactions));
  if (entry.deleted_at && !hasDeletedTag(text)) tags.push(deletedTag(entry.deleted_at));
  return [...head, text, ...tags].filter(Boolean).join(" ");
}

/** The entry's content as parts, decorated on its first text part (one is added in front if none). */
function chatContent(entry: Entry, opts: ShapeOptions): EntryPart[] {
  const parts: EntryPart[] = typeof entry.content === "string"
    ? [{ type: "text", text: entry.content }]
    : [...(entry.content_text ? [{ type: "text" as const, text: entry.content_text }] : []), ...entry.content];
  const at = parts.findIndex((p) => p.type === "text");
  const first = at >= 0 ? (parts[at] as { text: string }).text : "";
  // A call-only assistant turn stays without content: a marker alone would be text the model never wrote.
  const hasContent = first !== "" || parts.some((p) => p.type !== "text");
  const text = decorate(entry, first, hasContent, opts);
  if (at >= 0) parts[at] = { type: "text", text };
  else parts.unshift({ type: "text", text });
  return parts.filter((p) => p.type !== "text" || p.text !== "");
}

function toChat(entry: Entry, opts: ShapeOptions): ChatMessage {
  const msg: ChatMessage = { role: entry.role, content: chatContent(entry, opts) };
  if (entryText(entry) === "") msg.bare = true;
  if (entry.sender) msg.sender = entry.sender;
  if (entry.role === "assistant" && entry.tool_calls?.length) {
    msg.tool_calls = entry.tool_calls.map((c) => ({
      id: c.id, type: "function", function: { name: c.function.name, arguments: c.function.arguments || "{}" },
    }));
    if ((msg.content as EntryPart[]).length === 0) msg.content = null;
  }
  if (entry.role === "tool") {
    msg.tool_call_id = entry.tool_call_id ?? "";
    if (entry.is_error) msg.is_error = true;
  }
  return msg;
}

function missingResult(callId: string, name: string): ChatMessage {
  return {
    role: "tool", tool_call_id: callId, content: [{ type: "text", text: `the call to ${name} returned no result.` }],
    is_error: true, synthetic: true,
  };
}

/**
 * Chat APIs want every tool call answered by tool messages right after its assistant message, and
 * no tool message without its call: a stray result is dropped, a missing one gets a synthetic error.
 */
export function repairToolCalls(list: ChatMessage[]): ChatList {
  const out: ChatMessage[] = [];
  let repaired = 0;
  let open = new Map<string, string>(); // call id → function name, of the last assistant message
  const closeOpen = () => {
    for (const [id, name] of open) out.push(missingResult(id, name));
    repaired += open.size;
    open = new Map();
  };
  for (const msg of list) {
    if (msg.role === "tool") {
      if (open.delete(msg.tool_call_id ?? "")) out.push(msg);
      else repaired++;
      continue;
    }
    closeOpen();
    out.push(msg);
    for (const c of msg.tool_calls ?? []) open.set(c.id, c.function.name);
  }
  closeOpen();
  return { messages: out, repaired };
}

/** A message that says nothing (no text, no parts, no calls): no chat API wants it, so it is left out. */
function isEmpty(m: ChatMessage): boolean {
  return m.role !== "tool" && !m.tool_calls?.length && (m.content === null || m.content.length === 0);
}

/** The history part of a rendered prompt, decorated and repaired; empty messages left out. */
export function chatHistory(entries: readonly Entry[], opts: ShapeOptions): ChatList {
  const visible = entries.filter((e) => opts.includeThinking || e.kind !== "thinking");
  return repairToolCalls(visible.map((e) => toChat(e, opts)).filter((m) => !isEmpty(m)));
}

/** The text parts of a message joined (roles that take text only). */
export function joinedText(content: ChatMessage["content"]): string {
  if (typeof content === "string") return content;
  return (content ?? []).flatMap((p) => (p.type === "text" ? [p.text] : [])).join("\n");
}
