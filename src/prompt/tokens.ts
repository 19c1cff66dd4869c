/**
 * Token counts with OpenAI's own encodings, offline (gpt-tokenizer ships the BPE ranks in the
 * package): o200k_base, the default, for GPT-4o and later; cl100k_base for GPT-4 and GPT-3.5.
 * Each message's count in the default encoding is computed once when it is written and kept with the
 * entry (`tk`); renders in another encoding, and the texts a render adds (tags, markers, prefixes),
 * are counted when rendered.
 */
import { countTokens as o200k } from "gpt-tokenizer/encoding/o200k_base";
import { countTokens as cl100k } from "gpt-tokenizer/encoding/cl100k_base";
import type { Entry } from "../domain/entry.js";

export type EncodingName = "o200k_base" | "cl100k_base";

/** The encoding a request or room names none of. */
export const DEFAULT_ENCODING: EncodingName = "o200k_base";

const COUNTERS: Record<EncodingName, (text: string) => number> = { o200k_base: o200k, cl100k_base: cl100k };

/** The number of tokens `text` encodes to (special-token text counted as ordinary text). */
export function countTokens(text: string, encoding: EncodingName = DEFAULT_ENCODING): number {
  return text ? COUNTERS[encoding](text) : 0;
}

/**
 * An entry's own tokens: its text, its text parts and its tool calls' names and arguments. What a
 * render adds around them (role, name, markers, tags, the chat format's per-message overhead) is not
 * included: that depends on the render's options.
 */
export function entryTokens(entry: Entry, encoding: EncodingName = DEFAULT_ENCODING): number {
  let tokens = 0;
  if (typeof entry.content === "string") tokens += countTokens(entry.content, encoding);
  else {
    tokens += countTokens(entry.content_text ?? "", encoding);
    for (const p of entry.content) if (p.type === "text") tokens += countTokens(p.text, encoding);
  }
  for (const c of entry.tool_calls ?? []) {
    tokens += countTokens(c.function.name, encoding) + countTokens(c.function.arguments, encoding);
  }
  return tokens;
}
