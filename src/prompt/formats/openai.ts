/**
 * The OpenAI chat completions shape (`messages` of client.chat.completions.create). What each role may
 * carry: system, assistant and tool messages take text only (assistant also tool_calls); user messages
 * take text, image_url, input_audio (wav or mp3) and file parts. Anything else is dropped and counted.
 */
import type { EntryPart } from "../../domain/entry.js";
import { joinedText, type ChatMessage } from "../chat.js";
import { countTokens, type EncodingName } from "../tokens.js";
import {
  audioTokens, FILE_TOKENS, imageTokens, textTokens, TOKENS_PER_MESSAGE, TOKENS_PER_NAME, toolCallTokens,
} from "../budget.js";
import type { Shaped } from "./shaped.js";

export type OpenAIPart =
  | { type: "text"; text: string }
  | { type: "image_url"; image_url: { url: string; detail?: string } }
  | { type: "input_audio"; input_audio: { data: string; format: string } }
  | { type: "file"; file: { file_id?: string; filename?: string; file_data?: string } };

/** One message exactly as the OpenAI SDK takes it. */
export interface OpenAIMessage {
  role: string;
  content: string | OpenAIPart[] | null;
  name?: string;
  tool_calls?: { id: string; type: "function"; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
}

const IMAGE_DETAILS = new Set(["auto", "low", "high", "original"]);
const AUDIO_FORMATS = new Set(["wav", "mp3"]);
const IMAGE_URL = /^(https?:\/\/|data:image\/)/i;
/** OpenAI's pattern for `name`. */
export const NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;
/** The prefix of a failed tool result's content, as agent runtimes write it. */
export const ERROR_PREFIX = "ERROR: ";

/**
 * A sender as OpenAI's `name` (^[a-zA-Z0-9_-]{1,64}$): accents are taken off ("Zoë" → "Zoe"), other
 * letters and digits become their code point ("李" → "u674e", so two such senders stay apart),
 * anything else (spaces, punctuation) becomes "_"; cut at 64 characters. "" when nothing is left.
 */
export function openaiName(sender: string): string {
  let out = "";
  for (const ch of sender.normalize("NFKD")) {
    if (/[a-zA-Z0-9_-]/.test(ch)) out += ch;
    else if (/\p{M}/u.test(ch)) continue;
    else if (/[\p{L}\p{N}]/u.test(ch)) out += `u${ch.codePointAt(0)!.toString(16)}`;
    else out += "_";
    if (out.length >= 64) break;
  }
  return out.slice(0, 64);
}

interface Count { dropped: number; converted: number }

/** A user part as OpenAI takes it, or undefined when it cannot (an audio format OpenAI does not read). */
function userPart(p: EntryPart, count: Count): OpenAIPart | undefined {
  switch (p.type) {
    case "image_url": {
      const { url, detail } = p.image_url;
      if (!IMAGE_URL.test(url)) {
        count.dropped++; // OpenAI fetches http(s) URLs and reads data: URLs, nothing else
        return undefined;
      }
      if (detail === undefined || IMAGE_DETAILS.has(detail)) return { type: "image_url", image_url: { ...p.image_url } };
      count.converted++; // a detail OpenAI does not know is left out: the image is sent at "auto"
      return { type: "image_url", image_url: { url } };
    }
    case "input_audio":
      if (AUDIO_FORMATS.has(p.input_audio.format)) return { type: "input_audio", input_audio: { ...p.input_audio } };
      count.dropped++;
      return undefined;
    case "file":
      return { type: "file", file: { ...p.file } };
    default:
      return { type: "text", text: p.text };
  }
}

function partsOf(m: ChatMessage): EntryPart[] {
  return Array.isArray(m.content) ? m.content : [];
}

function textOnly(m: ChatMessage, count: Count): string {
  count.dropped += partsOf(m).filter((p) => p.type !== "text").length;
  return joinedText(m.content);
}

/**
 * One neutral message in OpenAI's shape; `useName` puts the sanitised sender in `name`. Null when
 * nothing of it is left: a message without text of its own whose other parts OpenAI cannot carry.
 */
export function shapeOpenAI(m: ChatMessage, useName: boolean, enc: EncodingName): Shaped<OpenAIMessage | null> {
  const count: Count = { dropped: 0, converted: 0 };
  const out: OpenAIMessage = { role: m.role, content: "" };
  let kept = 0; // parts other than text
  if (m.role === "user") {
    const parts = partsOf(m).map((p) => userPart(p, count)).filter((p): p is OpenAIPart => p !== undefined);
    kept = parts.filter((p) => p.type !== "text").length;
    out.content = kept ? parts : parts.map((p) => (p as { text: string }).text).join("\n");
  } else if (m.role === "tool") {
    const text = textOnly(m, count);
    out.content = m.is_error ? (text ? ERROR_PREFIX + text : ERROR_PREFIX.trim()) : text;
    out.tool_call_id = m.tool_call_id ?? "";
  } else {
    out.content = textOnly(m, count);
  }
  if (m.tool_calls?.length) {
    out.tool_calls = m.tool_calls.map((c) => ({ ...c, function: { ...c.function } }));
    if (out.content === "") out.content = null;
  }
  const flags = { isError: m.is_error === true, synthetic: m.synthetic === true };
  if (m.bare && m.role !== "tool" && !kept && !out.tool_calls) return { value: null, tokens: 0, ...count, ...flags };
  const name = useName && m.sender && (m.role === "user" || m.role === "assistant") ? openaiName(m.sender) : "";
  if (name) out.name = name;
  return { value: out, tokens: openaiTokens(out, enc), ...count, ...flags };
}

/** OpenAI's count of one message (exact for text; parts and tool calls per budget.ts). */
export function openaiTokens(m: OpenAIMessage, enc: EncodingName): number {
  let tokens = TOKENS_PER_MESSAGE + countTokens(m.role, enc);
  if (typeof m.content === "string") tokens += textTokens(m.content, enc);
  else for (const p of m.content ?? []) tokens += partTokens(p, enc);
  if (m.name) tokens += countTokens(m.name, enc) + TOKENS_PER_NAME;
  if (m.tool_call_id) tokens += countTokens(m.tool_call_id, enc);
  for (const c of m.tool_calls ?? []) tokens += toolCallTokens(c.id, c.function.name, c.function.arguments, enc);
  return tokens;
}

function partTokens(p: OpenAIPart, enc: EncodingName): number {
  switch (p.type) {
    case "text":
      return textTokens(p.text, enc);
    case "image_url":
      return imageTokens(p.image_url.detail);
    case "input_audio":
      return audioTokens(p.input_audio.data);
    default:
      return FILE_TOKENS + countTokens(p.file.filename ?? "", enc);
  }
}
