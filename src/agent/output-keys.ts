/**
 * Output-key values in assistant text (the seed's _try_extract_key and _extract_protected_values).
 * Compaction preserves the newest value of each of the room's output_keys found in the turns it
 * replaces, so an agent that wrote `result: 42` before a compaction still sees it after.
 */
import { entryText, type Entry } from "../domain/entry.js";

/**
 * A key's value in one message's text, by four strategies in order: the whole text is a JSON object
 * holding the key; a JSON object embedded in the text holds it (the first that parses and has it);
 * a `key: value` line; a `key = value` line. A non-string JSON value comes back as its JSON text.
 * Undefined when no strategy finds it.
 */
export function tryExtractKey(content: string, key: string): string | undefined {
  const whole = parseObject(content);
  if (whole && Object.hasOwn(whole, key)) return valueText(whole[key]);
  for (const candidate of embeddedObjects(content)) {
    if (Object.hasOwn(candidate, key)) return valueText(candidate[key]);
  }
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  for (const separator of [":", "="]) {
    const match = new RegExp(`\\b${escaped}\\s*${separator}\\s*(.+)`).exec(content);
    if (match) return match[1].trim();
  }
  return undefined;
}

/** The heading of the block a summary turn opens with (src/agent/compact.ts). */
export const PRESERVED_HEADING = "PRESERVED VALUES (do not lose these):";

/**
 * The `- key: value` lines of the PRESERVED VALUES block an earlier summary turn opens with, so that
 * a second compaction, which replaces that summary, keeps its values too.
 */
function preservedBlockLines(text: string): string[] {
  if (!text.startsWith(`${PRESERVED_HEADING}\n`)) return [];
  const lines = text.split("\n").slice(1);
  const end = lines.findIndex((l) => !l.startsWith("- "));
  return end < 0 ? lines : lines.slice(0, end);
}

function blockValue(lines: readonly string[], key: string): string | undefined {
  const prefix = `- ${key}: `;
  return lines.find((l) => l.startsWith(prefix))?.slice(prefix.length);
}

/**
 * The newest value of each key found in the assistant turns of `entries` (oldest first), or in the
 * PRESERVED VALUES block of an earlier summary turn among them, in the order of `keys`; keys found
 * nowhere are left out.
 */
export function extractOutputValues(entries: readonly Entry[], keys: readonly string[]): Map<string, string> {
  const found = new Map<string, string>();
  const remaining = new Set(keys);
  for (let i = entries.length - 1; i >= 0 && remaining.size > 0; i--) {
    const e = entries[i];
    if (e.role !== "assistant" && e.kind !== "summary") continue;
    const text = entryText(e);
    const block = e.kind === "summary" ? preservedBlockLines(text) : undefined;
    for (const key of [...remaining]) {
      const value = block ? blockValue(block, key) : tryExtractKey(text, key);
      if (value === undefined) continue;
      found.set(key, value);
      remaining.delete(key);
    }
  }
  return new Map(keys.filter((k) => found.has(k)).map((k) => [k, found.get(k) as string]));
}

function valueText(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The JSON objects embedded in free text, in order: each balanced `{...}` that parses as one. */
function* embeddedObjects(text: string): Generator<Record<string, unknown>> {
  let from = text.indexOf("{");
  while (from >= 0) {
    const end = balancedEnd(text, from);
    const parsed = end > 0 ? parseObject(text.slice(from, end + 1)) : undefined;
    if (parsed) yield parsed;
    // After an object that parsed, look past it; otherwise at the next brace (it may open one inside).
    from = text.indexOf("{", parsed ? end + 1 : from + 1);
  }
}

/** The index of the brace closing the one at `start`, skipping braces inside JSON strings; -1 if none. */
function balancedEnd(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return i;
  }
  return -1;
}
