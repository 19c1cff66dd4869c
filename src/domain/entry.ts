/**
 * The stored form of a message: one JSON object per Redis list entry. `role` and `content` stay plain
 * fields, as the legacy Python ConversationManager writes and reads them; everything else is optional
 * and omitted when empty (so Lua's cjson never has to tell an empty array from an empty object).
 */
import { withoutMarker } from "./legacy-text.js";

export type EntryRole = "user" | "assistant" | "system" | "tool";

export type EntryPart =
  | { type: "text"; text: string }
  | { type: "image_url"; image_url: { url: string; detail?: string } }
  | { type: "input_audio"; input_audio: { data: string; format: string } }
  | { type: "file"; file: EntryFile };

/** A document: a provider's uploaded file (file_id) or the file itself as a data: URL (file_data). */
export interface EntryFile {
  file_id?: string;
  filename?: string;
  file_data?: string;
}

export interface EntryToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

export interface EntryReaction {
  emoji: string;
  count?: number;
}

export interface Entry {
  role: string;
  /** A string, or OpenAI content parts for a multimodal message (the legacy manager's format too). */
  content: string | EntryPart[];
  /** The message's text when content holds parts and the message had text besides them. */
  content_text?: string;
  id?: string;
  seq?: number;
  tool_calls?: EntryToolCall[];
  tool_call_id?: string;
  is_error?: boolean;
  /** "summary": a turn compaction wrote in place of archived turns (never accepted on write). */
  kind?: "chat" | "thinking" | "summary";
  sender?: string;
  created_at?: string;
  edited_at?: string;
  deleted_at?: string;
  reactions?: EntryReaction[];
  metadata?: Record<string, string>;
  /** 1 when the service wrote a legacy "[Message ID: X]" marker into the text (src/domain/legacy-text.ts). */
  lm?: 1;
  /**
   * The message's own tokens in o200k_base (entryTokens in src/prompt/tokens.ts), counted by the
   * service when it writes or edits the entry; absent on entries the legacy manager wrote.
   */
  tk?: number;
  /** The agent run and phase that wrote the message (Message.run_id, phase_id). */
  run_id?: string;
  phase_id?: string;
  /** Agent flags (Message.transition_marker, client_input, skill_content): never pruned or compacted away. */
  tm?: 1;
  ci?: 1;
  sc?: 1;
  /** 1 when PruneToolResults replaced the content by a placeholder; the original is in the archive. */
  pr?: 1;
}

/** Entries pruning and compaction never remove or rewrite. */
export function isProtectedEntry(entry: Entry): boolean {
  return entry.tm === 1 || entry.ci === 1 || entry.sc === 1;
}

/** Roles that count toward a room's window. */
export const COUNTED_ROLES: ReadonlySet<string> = new Set(["user", "assistant"]);

/** Serialises with `role` first: the Lua trim reads the role with a pattern instead of decoding. */
export function encodeEntry(entry: Entry): string {
  const { role, content, ...rest } = entry;
  return JSON.stringify({ role, content, ...rest });
}

/** Decodes one list entry; null when it is not a usable entry (the caller counts and skips it). */
export function decodeEntry(raw: string): Entry | null {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  return toEntry(value);
}

/** Checks an already parsed JSON value (e.g. inside a change event) the way decodeEntry does. */
export function toEntry(value: unknown): Entry | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const entry = value as Entry;
  if (typeof entry.role !== "string") return null;
  if (entry.content === undefined || entry.content === null) entry.content = "";
  if (typeof entry.content !== "string" && !Array.isArray(entry.content)) return null;
  if (Array.isArray(entry.content)) entry.content = entry.content.filter(isPart);
  return entry.lm ? withoutMarker(entry) : entry;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A part this service can return; anything else in a stored list (a legacy worker's own kind) is skipped. */
export function isPart(part: unknown): part is EntryPart {
  if (!isObject(part)) return false;
  switch (part.type) {
    case "text":
      return typeof part.text === "string";
    case "image_url":
      return isObject(part.image_url) && typeof part.image_url.url === "string";
    case "input_audio":
      return isObject(part.input_audio) && typeof part.input_audio.data === "string" &&
        typeof part.input_audio.format === "string";
    case "file": {
      const f = part.file;
      return isObject(f) && ["file_id", "filename", "file_data"].every((k) => f[k] === undefined || typeof f[k] === "string");
    }
    default:
      return false;
  }
}

/** The text of an entry: its string content, or its content_text and text parts joined. */
export function entryText(entry: Entry): string {
  if (typeof entry.content === "string") return entry.content;
  const parts = entry.content
    .filter((p): p is Extract<EntryPart, { type: "text" }> => p.type === "text")
    .map((p) => p.text);
  return (entry.content_text ? [entry.content_text, ...parts] : parts).join("\n");
}

const MARKER = /\[Message ID: ([^\]]+)\]/;

/** The message id: its own field, else the legacy "[Message ID: X]" marker in its content. */
export function entryId(entry: Entry): string | undefined {
  if (entry.id) return entry.id;
  return MARKER.exec(entryText(entry))?.[1]?.trim();
}

/** An entry's size as it counts against a room's byte budget: its stored JSON, in UTF-8 bytes. */
export function entryBytes(entry: Entry): number {
  return Buffer.byteLength(encodeEntry(entry), "utf8");
}

/**
 * How many entries to drop from the front so that at most `limit` user/assistant entries and at most
 * `maxBytes` bytes (`sizes[i]` is entry i's, see entryBytes) remain, then also the tool results left
 * at the front without the assistant call they answered. Mirrors trim_front() in
 * src/store/lua/includes/trim.lua; the conformance suite holds them together.
 */
export function trimCount(roles: readonly string[], limit: number, sizes?: readonly number[], maxBytes = Infinity): number {
  let counted = roles.filter((r) => COUNTED_ROLES.has(r)).length;
  let bytes = sizes ? sizes.reduce((a, b) => a + b, 0) : 0;
  let drop = 0;
  while ((counted > limit || bytes > maxBytes) && drop < roles.length) {
    if (COUNTED_ROLES.has(roles[drop])) counted--;
    bytes -= sizes?.[drop] ?? 0;
    drop++;
  }
  if (drop === 0) return 0;
  while (drop < roles.length && roles[drop] === "tool") drop++;
  return drop;
}
