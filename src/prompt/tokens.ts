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

/**
 * BPE's cost grows with the square of a pre-token's length: 100,000 repeated letters take 20 s, and a
 * message may hold a million. So a run of more than RUN_CHARS characters without white space (base64,
 * a minified file, a CJK paragraph) is counted in RUN_CHARS slices, which can add a token at each cut
 * (under 0.5% of such a run); text without such runs is counted exactly.
 */
export const RUN_CHARS = 512;
/**
 * Texts longer than this are counted on their first EXACT_CHARS characters and scaled by length, so a
 * megabyte of text costs what 32 Ki characters do (some ten milliseconds, not seconds); shorter texts,
 * almost every chat message, are counted in full.
 */
export const EXACT_CHARS = 32 * 1024;

const LONG_RUN = new RegExp(`\\S{${RUN_CHARS + 1},}`, "g");

/**
 * The number of tokens `text` encodes to (special-token text counted as ordinary text): exact for
 * texts up to EXACT_CHARS without runs longer than RUN_CHARS, a close estimate beyond (see both).
 */
export function countTokens(text: string, encoding: EncodingName = DEFAULT_ENCODING): number {
  if (!text) return 0;
  if (text.length <= EXACT_CHARS) return countRuns(text, COUNTERS[encoding]);
  const head = text.slice(0, cutAt(text, EXACT_CHARS));
  return Math.round((countRuns(head, COUNTERS[encoding]) * text.length) / head.length);
}

function countRuns(text: string, count: (text: string) => number): number {
  // A text this short cannot hold a run longer than RUN_CHARS: no need to scan it for one.
  if (text.length <= RUN_CHARS) return count(text);
  let tokens = 0;
  let from = 0;
  for (const run of text.matchAll(LONG_RUN)) {
    if (run.index > from) tokens += count(text.slice(from, run.index));
    const end = run.index + run[0].length;
    for (let i = run.index; i < end; ) {
      const next = Math.min(end, cutAt(text, i + RUN_CHARS));
      tokens += count(text.slice(i, next));
      i = next;
    }
    from = end;
  }
  return from === 0 ? count(text) : tokens + (from < text.length ? count(text.slice(from)) : 0);
}

/** `index`, or one past it when it would split a surrogate pair. */
function cutAt(text: string, index: number): number {
  const code = text.charCodeAt(index - 1);
  return code >= 0xd800 && code <= 0xdbff ? index + 1 : index;
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
