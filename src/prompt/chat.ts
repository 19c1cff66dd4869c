/**
 * Turns a stored window into the message list of an OpenAI-compatible chat API: tags for deletions
 * and reactions, thinking left out, and tool calls repaired so the API accepts the list.
 */
import { type Entry, type EntryPart } from "../domain/entry.js";
import { deletedTag, hasDeletedTag, hasReactionsTag, reactionsTag } from "../domain/tags.js";

/** One message in the chat API's JSON shape. */
export interface ChatMessage {
  role: string;
  content: string | EntryPart[] | null;
  tool_calls?: { id: string; type: "function"; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
}

export interface ChatList {
  messages: ChatMessage[];
  /** Tool results dropped (no matching call) plus synthetic results added (a call with no result). */
  repaired: number;
}

/** Legacy entries carry their tags in their content already; ours get them here. */
function taggedText(entry: Entry, text: string): string {
  const tags: string[] = [];
  if (entry.reactions?.length && !hasReactionsTag(text)) tags.push(reactionsTag(entry.reactions));
  if (entry.deleted_at && !hasDeletedTag(text)) tags.push(deletedTag(entry.deleted_at));
  return tags.length ? [text, ...tags].filter(Boolean).join(" ") : text;
}

function chatContent(entry: Entry): string | EntryPart[] {
  if (typeof entry.content === "string") return taggedText(entry, entry.content);
  const parts = entry.content.map((p) => ({ ...p }));
  const lead = entry.content_text ?? "";
  const firstText = parts.find((p) => p.type === "text");
  if (lead || !firstText) parts.unshift({ type: "text", text: taggedText(entry, lead) });
  else firstText.text = taggedText(entry, firstText.text);
  return parts.filter((p) => p.type !== "text" || p.text !== "");
}

function toChat(entry: Entry): ChatMessage {
  const msg: ChatMessage = { role: entry.role, content: chatContent(entry) };
  if (entry.role === "assistant" && entry.tool_calls?.length) {
    msg.tool_calls = entry.tool_calls.map((c) => ({
      id: c.id, type: "function", function: { name: c.function.name, arguments: c.function.arguments || "{}" },
    }));
    if (msg.content === "") msg.content = null;
  }
  if (entry.role === "tool") msg.tool_call_id = entry.tool_call_id ?? "";
  return msg;
}

function missingResult(callId: string, name: string): ChatMessage {
  return { role: "tool", tool_call_id: callId, content: `Error: the call to ${name} returned no result.` };
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

/** The history part of a rendered prompt, repaired. */
export function chatHistory(entries: readonly Entry[], includeThinking: boolean): ChatList {
  const visible = entries.filter((e) => includeThinking || e.kind !== "thinking");
  return repairToolCalls(visible.map(toChat));
}

/** About 4 characters a token, plus 4 a message for the chat format, and 85 an image. */
export function estimateTokens(messages: readonly ChatMessage[]): number {
  let tokens = 0;
  for (const m of messages) {
    let chars = 0;
    if (typeof m.content === "string") chars += m.content.length;
    else for (const p of m.content ?? []) if (p.type === "text") chars += p.text.length; else tokens += 85;
    for (const c of m.tool_calls ?? []) chars += c.function.name.length + c.function.arguments.length;
    tokens += 4 + Math.ceil(chars / 4);
  }
  return tokens;
}

