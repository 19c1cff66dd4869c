/**
 * The Anthropic messages shape (`messages` of client.messages.create; the system prompt goes apart).
 * Roles strictly alternate user/assistant from a user turn: consecutive same-role messages become one
 * turn's blocks, tool results are tool_result blocks opening the next user turn, a history system
 * message is a "System: " text block of a user turn, and a history that would open with an assistant
 * turn gets a placeholder user turn in front (HISTORY_PLACEHOLDER). Blocks are never empty text.
 */
import type { EntryPart } from "../../domain/entry.js";
import { type ChatMessage } from "../chat.js";
import { countTokens, type EncodingName } from "../tokens.js";
import { FILE_TOKENS, imageTokens, textTokens, TOKENS_PER_MESSAGE, toolCallTokens } from "../budget.js";
import type { Shaped } from "./shaped.js";

export type MediaType = "image/jpeg" | "image/png" | "image/gif" | "image/webp";
export type TextBlock = { type: "text"; text: string };
export type ImageBlock = {
  type: "image";
  source: { type: "base64"; media_type: MediaType; data: string } | { type: "url"; url: string };
};
export type DocumentBlock = {
  type: "document"; source: { type: "base64"; media_type: "application/pdf"; data: string }; title?: string;
};
export type ToolUseBlock = { type: "tool_use"; id: string; name: string; input: Record<string, unknown> };
export type ToolResultBlock = {
  type: "tool_result"; tool_use_id: string; content?: string | (TextBlock | ImageBlock)[]; is_error?: boolean;
};
export type AnthropicBlock = TextBlock | ImageBlock | DocumentBlock | ToolUseBlock | ToolResultBlock;

/** One turn exactly as the Anthropic SDK takes it. */
export interface AnthropicMessage {
  role: "user" | "assistant";
  content: AnthropicBlock[];
}

/** The user turn put in front of a history that would otherwise open with an assistant turn. */
export const HISTORY_PLACEHOLDER = "(earlier messages are not shown)";
/** The prefix of a history system message's text inside a user turn. */
export const SYSTEM_PREFIX = "System: ";

const MEDIA_TYPES = new Set<string>(["image/jpeg", "image/png", "image/gif", "image/webp"]);
const DATA_URL = /^data:([^;,]+)(?:;[^,]*)?;base64,(.*)$/s;

interface Count { dropped: number; converted: number }

/** Anthropic's tool_use ids match ^[a-zA-Z0-9_-]+$: other characters become "_" (same on both sides). */
export function anthropicId(id: string): string {
  return id.replace(/[^a-zA-Z0-9_-]/g, "_") || "_";
}

/** data: URLs (base64, an image type Anthropic reads) and http(s) URLs; undefined for anything else. */
export function imageBlock(url: string): ImageBlock | undefined {
  const data = DATA_URL.exec(url);
  if (data) return MEDIA_TYPES.has(data[1]) ? { type: "image", source: { type: "base64", media_type: data[1] as MediaType, data: data[2] } } : undefined;
  return /^https?:\/\//i.test(url) ? { type: "image", source: { type: "url", url } } : undefined;
}

/** A PDF given as a data: URL becomes a document block; other files (and file_id alone) cannot. */
function documentBlock(file: { filename?: string; file_data?: string }): DocumentBlock | undefined {
  const data = DATA_URL.exec(file.file_data ?? "");
  if (!data || data[1] !== "application/pdf") return undefined;
  const block: DocumentBlock = { type: "document", source: { type: "base64", media_type: "application/pdf", data: data[2] } };
  if (file.filename) block.title = file.filename;
  return block;
}

function textOf(p: EntryPart): TextBlock | undefined {
  return p.type === "text" && p.text !== "" ? { type: "text", text: p.text } : undefined;
}

/** A user turn's blocks: text, images, PDFs as documents; audio and other files dropped. */
function userBlocks(parts: EntryPart[], count: Count): AnthropicBlock[] {
  const out: AnthropicBlock[] = [];
  for (const p of parts) {
    const block = p.type === "text" ? textOf(p)
      : p.type === "image_url" ? imageBlock(p.image_url.url)
        : p.type === "file" ? documentBlock(p.file) : undefined;
    if (block?.type === "document") count.converted++;
    if (block) out.push(block);
    else if (p.type !== "text") count.dropped++;
  }
  return out;
}

/** Arguments as tool_use input: a JSON object; anything else is kept as {"_raw": text} (converted). */
export function toolInput(args: string, count: Count): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(args || "{}");
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // not JSON: kept raw below
  }
  count.converted++;
  return { _raw: args };
}

function toolResult(m: ChatMessage, parts: EntryPart[], count: Count): ToolResultBlock {
  const blocks: (TextBlock | ImageBlock)[] = [];
  for (const p of parts) {
    const block = p.type === "text" ? textOf(p) : p.type === "image_url" ? imageBlock(p.image_url.url) : undefined;
    if (block?.type === "image") count.converted++; // an image on a tool result rides inside its block
    if (block) blocks.push(block);
    else if (p.type !== "text") count.dropped++;
  }
  const result: ToolResultBlock = { type: "tool_result", tool_use_id: anthropicId(m.tool_call_id ?? "") };
  if (blocks.some((b) => b.type === "image")) result.content = blocks;
  else if (blocks.length) result.content = blocks.map((b) => (b as TextBlock).text).join("\n");
  if (m.is_error) result.is_error = true;
  return result;
}

function blocksOf(m: ChatMessage, parts: EntryPart[], count: Count): AnthropicBlock[] {
  switch (m.role) {
    case "tool":
      return [toolResult(m, parts, count)];
    case "user":
      return userBlocks(parts, count);
    case "system": {
      count.dropped += parts.filter((p) => p.type !== "text").length;
      const text = parts.flatMap((p) => (p.type === "text" ? [p.text] : [])).join("\n");
      return text ? [{ type: "text", text: SYSTEM_PREFIX + text }] : [];
    }
    default: {
      count.dropped += parts.filter((p) => p.type !== "text").length;
      const out: AnthropicBlock[] = parts.flatMap((p) => textOf(p) ?? []);
      for (const c of m.tool_calls ?? []) {
        out.push({ type: "tool_use", id: anthropicId(c.id), name: c.function.name, input: toolInput(c.function.arguments, count) });
      }
      return out;
    }
  }
}

/** One neutral message as the blocks it adds to its turn (possibly none: the turn is skipped). */
export function shapeAnthropic(m: ChatMessage, enc: EncodingName): Shaped<AnthropicMessage> {
  const count: Count = { dropped: 0, converted: 0 };
  const parts = Array.isArray(m.content) ? m.content : typeof m.content === "string" ? [{ type: "text" as const, text: m.content }] : [];
  const role = m.role === "assistant" ? "assistant" : "user";
  let content = blocksOf(m, parts, count);
  // A message without text of its own whose other parts were all dropped says nothing: left out.
  if (m.bare && m.role !== "tool" && content.every((b) => b.type === "text")) content = [];
  const value: AnthropicMessage = { role, content };
  return { value, tokens: anthropicTokens(value, enc), ...count, isError: m.is_error === true, synthetic: m.synthetic === true };
}

/** Consecutive same-role pieces as one turn; a placeholder user turn before a leading assistant turn. */
export function assembleAnthropic(pieces: readonly AnthropicMessage[]): AnthropicMessage[] {
  const turns: AnthropicMessage[] = [];
  for (const p of pieces) {
    if (!p.content.length) continue;
    const last = turns.at(-1);
    if (last?.role === p.role) last.content.push(...p.content);
    else turns.push({ role: p.role, content: [...p.content] });
  }
  if (turns[0]?.role === "assistant") turns.unshift(placeholderTurn());
  return turns;
}

export function placeholderTurn(): AnthropicMessage {
  return { role: "user", content: [{ type: "text", text: HISTORY_PLACEHOLDER }] };
}

/** The same rule as OpenAI's count, over blocks (an estimate: Anthropic's tokenizer is not public). */
export function anthropicTokens(m: AnthropicMessage, enc: EncodingName): number {
  let tokens = TOKENS_PER_MESSAGE + countTokens(m.role, enc);
  for (const b of m.content) tokens += blockTokens(b, enc);
  return tokens;
}

function blockTokens(b: AnthropicBlock, enc: EncodingName): number {
  switch (b.type) {
    case "text":
      return textTokens(b.text, enc);
    case "image":
      return imageTokens(undefined);
    case "document":
      return FILE_TOKENS + countTokens(b.title ?? "", enc);
    case "tool_use":
      return toolCallTokens(b.id, b.name, JSON.stringify(b.input), enc);
    default: {
      const content = typeof b.content === "string" ? [{ type: "text" as const, text: b.content }] : (b.content ?? []);
      return countTokens(b.tool_use_id, enc) + content.reduce((n, c) => n + blockTokens(c, enc), 0);
    }
  }
}
