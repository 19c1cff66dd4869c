/**
 * Token counts of a render and the max_tokens cut. Counting follows OpenAI's rule for chat input
 * (the openai-cookbook's num_tokens_from_messages): 3 tokens a message, plus the tokens of each of
 * its string fields (role, content, name, tool_call_id), plus 1 for a name, plus 3 that prime the
 * reply. That rule is exact for text; what it does not cover is approximated here (IMAGE_*, AUDIO_*,
 * FILE_TOKENS, TOOL_CALL_TOKENS) and documented in README "Rendering".
 */
import { countTokens, type EncodingName } from "./tokens.js";
import { tooLarge } from "../domain/errors.js";

/** OpenAI: every message costs this much besides its fields. */
export const TOKENS_PER_MESSAGE = 3;
/** OpenAI: a message's name costs one token besides its text. */
export const TOKENS_PER_NAME = 1;
/** OpenAI: every reply is primed with <|start|>assistant<|message|>. */
export const REPLY_PRIMING_TOKENS = 3;
/** An image at detail "low": OpenAI's fixed cost. */
export const IMAGE_LOW_TOKENS = 85;
/** An image at any other detail: the cost of a 1024×1024 image (85 + 4 tiles × 170), as sizes are unknown. */
export const IMAGE_TOKENS = 765;
/** Audio: about 10 tokens a second, a second taken as 32,000 bytes (16 kHz 16-bit mono). */
export const AUDIO_BYTES_PER_TOKEN = 3200;
/** A file (PDF): its pages are not read here; a flat allowance. */
export const FILE_TOKENS = 1000;
/** A tool call's framing besides its id, name and arguments. */
export const TOOL_CALL_TOKENS = 3;

/** Bytes a base64 text decodes to (a data: URL's payload, or bare base64). */
export function base64Bytes(data: string): number {
  const body = data.startsWith("data:") ? data.slice(data.indexOf(",") + 1) : data;
  return Math.floor((body.length * 3) / 4);
}

export function imageTokens(detail: string | undefined): number {
  return detail === "low" ? IMAGE_LOW_TOKENS : IMAGE_TOKENS;
}

export function audioTokens(data: string): number {
  return Math.max(1, Math.ceil(base64Bytes(data) / AUDIO_BYTES_PER_TOKEN));
}

export function toolCallTokens(id: string, name: string, args: string, enc: EncodingName): number {
  return TOOL_CALL_TOKENS + countTokens(id, enc) + countTokens(name, enc) + textTokens(args, enc);
}

/** A system prompt message's tokens; 0 when there is none. */
export function systemTokens(system: string, enc: EncodingName): number {
  if (!system) return 0;
  return TOKENS_PER_MESSAGE + systemRoleTokens(enc) + textTokens(system, enc);
}

/** The role "system" in each encoding: counted once, not on every render. */
const SYSTEM_ROLE_TOKENS = new Map<EncodingName, number>();

function systemRoleTokens(enc: EncodingName): number {
  let n = SYSTEM_ROLE_TOKENS.get(enc);
  if (n === undefined) SYSTEM_ROLE_TOKENS.set(enc, (n = countTokens("system", enc)));
  return n;
}

// A room's window is re-read whole after every change, so its entries come back as new objects with
// the same texts: counts are kept per text (and encoding), so a new version tokenises only its new
// and edited messages, and a rendered system prompt is not re-tokenised call after call. Bounded by
// the characters held; the least recently used text goes first.
const COUNTS = new Map<string, number>();
const COUNTS_MAX_CHARS = 8 * 1024 * 1024;
/** Shorter texts are counted again each time: cheaper than keeping them. */
const COUNTS_MIN_CHARS = 24;
let countsChars = 0;

/** countTokens, remembered for longer texts (see above). */
export function textTokens(text: string, enc: EncodingName): number {
  if (text.length < COUNTS_MIN_CHARS) return countTokens(text, enc);
  const key = (enc === "o200k_base" ? "o" : "c") + text;
  const hit = COUNTS.get(key);
  if (hit !== undefined) {
    COUNTS.delete(key);
    COUNTS.set(key, hit);
    return hit;
  }
  const n = countTokens(text, enc);
  if (key.length > COUNTS_MAX_CHARS / 4) return n;
  COUNTS.set(key, n);
  countsChars += key.length;
  for (const k of COUNTS.keys()) {
    if (countsChars <= COUNTS_MAX_CHARS) break;
    COUNTS.delete(k);
    countsChars -= k.length;
  }
  return n;
}

/** A history's messages reduced to what the cut needs; built once per snapshot and options. */
export interface CostedHistory {
  /** after[i]: tokens of messages i.. to the end (after[n] = 0). */
  after: number[];
  /** Indexes where a unit starts: a user or system message, or an assistant message with its results. */
  unitStarts: number[];
  /** stored[i]: stored (not synthetic) messages before i. */
  storedBefore: number[];
}

export function costHistory(tokens: readonly number[], roles: readonly string[], synthetic: readonly boolean[]): CostedHistory {
  const n = tokens.length;
  const after = new Array<number>(n + 1).fill(0);
  for (let i = n - 1; i >= 0; i--) after[i] = after[i + 1] + tokens[i];
  const storedBefore = new Array<number>(n + 1).fill(0);
  for (let i = 0; i < n; i++) storedBefore[i + 1] = storedBefore[i] + (synthetic[i] ? 0 : 1);
  // Tool results belong to the assistant message before them (the repair guarantees one is there).
  const unitStarts = roles.flatMap((r, i) => (r === "tool" ? [] : [i]));
  return { after, unitStarts, storedBefore };
}

export interface Cut {
  /** The first message kept. */
  start: number;
  /** The render's tokens (before any calibration). */
  tokens: number;
}

/**
 * The oldest unit start from which system prompt and history fit in `maxTokens` (0: no budget);
 * `lead(start)` is what the target adds in front of a history starting there (Anthropic's placeholder
 * user turn before an assistant turn). Nothing fits: the system prompt alone, start = n.
 */
export function cutHistory(
  costed: CostedHistory, system: number, maxTokens: number, scale: number, lead: (start: number) => number,
): Cut {
  const base = REPLY_PRIMING_TOKENS + system;
  const n = costed.after.length - 1;
  const total = (start: number) => base + costed.after[start] + (start < n ? lead(start) : 0);
  if (!maxTokens) return { start: 0, tokens: total(0) };
  if (Math.ceil(base * scale) > maxTokens) {
    throw tooLarge("max_tokens", `the system prompt alone takes ${Math.ceil(base * scale)} tokens, more than max_tokens ${maxTokens}`);
  }
  for (const start of costed.unitStarts) {
    if (Math.ceil(total(start) * scale) <= maxTokens) return { start, tokens: total(start) };
  }
  return { start: n, tokens: base };
}
