/**
 * Tool-call text for structure-preserving compaction: arguments shortened to valid JSON (the seed's
 * _compact_tool_calls) and the digest of collapsed tool pairs (the seed's extract_tool_call_history),
 * which tells the model what it already did so that it does not call the same tools again.
 */
import { entryText, type Entry, type EntryToolCall } from "../domain/entry.js";

/** The longest tool-call arguments compaction leaves as they are; longer ones are shortened to at most this. */
export const TOOL_ARGUMENTS_LIMIT = 200;

/** Characters of one argument value a shortened call shows. */
const VALUE_PREVIEW = 60;

/**
 * A tool call with arguments of at most TOOL_ARGUMENTS_LIMIT characters: longer arguments become
 * `{"_compacted": "k=v, ..."}` (key names kept, each value cut to 60 characters), always valid JSON
 * (providers parse arguments and refuse broken JSON). Undefined when the arguments are short enough.
 */
export function shortenToolCall(call: EntryToolCall): EntryToolCall | undefined {
  const args = call.function.arguments;
  if (args.length <= TOOL_ARGUMENTS_LIMIT) return undefined;
  return { ...call, function: { name: call.function.name, arguments: compactedJson(argumentsPreview(args)) } };
}

/** "k=v, k2=v2" for a JSON object (values cut), the value's text for other JSON, the raw text otherwise. */
function argumentsPreview(args: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    return args;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return valueText(parsed);
  return Object.entries(parsed as Record<string, unknown>)
    .map(([k, v]) => `${k}=${cut(valueText(v), VALUE_PREVIEW)}`)
    .join(", ");
}

/** `{"_compacted": text}` with text cut until the JSON fits in TOOL_ARGUMENTS_LIMIT characters. */
function compactedJson(text: string): string {
  let json = JSON.stringify({ _compacted: text });
  let keep = Math.min(text.length, TOOL_ARGUMENTS_LIMIT);
  while (json.length > TOOL_ARGUMENTS_LIMIT) {
    // Escapes make the JSON longer than the text: cut by the excess (at least one character) and retry.
    keep = Math.max(0, keep - Math.max(1, json.length - TOOL_ARGUMENTS_LIMIT));
    json = JSON.stringify({ _compacted: cut(text, keep) });
  }
  return json;
}

function valueText(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value) ?? String(value);
}

/** `text` cut to `max` characters (never inside a surrogate pair), "..." marking a cut. */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - 3);
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return `${text.slice(0, end)}...`;
}

/** The input a digest line shows for a call: the seed's per-tool field, else the shortened arguments. */
function callInput(name: string, args: Record<string, unknown>): string {
  const field = { web_search: "query", web_scrape: "url", load_data: "filename", save_data: "filename" }[name];
  if (field) return typeof args[field] === "string" ? args[field] : "";
  return Object.entries(args).map(([k, v]) => `${k}=${cut(valueText(v), VALUE_PREVIEW)}`).join(", ");
}

function parseArgs(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * The digest of collapsed tool pairs: TOOLS ALREADY CALLED (per tool, how often and up to 8 short
 * inputs), FILES SAVED (save_data), OUTPUTS SET (set_output keys) and ERRORS (do NOT retry these).
 * Empty when the entries hold no tool call and no error.
 */
export function toolCallDigest(entries: readonly Entry[], maxTools = 30): string {
  const calls = new Map<string, string[]>();
  const files: string[] = [];
  const outputs: string[] = [];
  const errors: string[] = [];
  for (const e of entries) {
    if (e.role === "tool" && e.is_error) errors.push(cut(entryText(e), 120).replace(/\n/g, " "));
    if (e.role !== "assistant") continue;
    for (const c of e.tool_calls ?? []) {
      const name = c.function.name || "unknown";
      const args = parseArgs(c.function.arguments);
      calls.set(name, [...(calls.get(name) ?? []), callInput(name, args)]);
      if (name === "save_data" && typeof args.filename === "string" && args.filename) files.push(args.filename);
      if (name === "set_output" && typeof args.key === "string" && args.key) outputs.push(args.key);
    }
  }
  const parts: string[] = [];
  if (calls.size > 0) {
    const lines = [...calls].slice(0, maxTools).map(([name, inputs]) => {
      const shown = inputs.filter((s) => s).slice(0, 8).map((s) => `  - ${cut(s, 120)}`);
      return [`  ${name} (${inputs.length}x)${shown.length ? ":" : ""}`, ...shown].join("\n");
    });
    parts.push(`TOOLS ALREADY CALLED:\n${lines.join("\n")}`);
  }
  if (files.length > 0) parts.push(`FILES SAVED: ${[...new Set(files)].join(", ")}`);
  if (outputs.length > 0) parts.push(`OUTPUTS SET: ${[...new Set(outputs)].join(", ")}`);
  if (errors.length > 0) parts.push(`ERRORS (do NOT retry these):\n${errors.slice(0, 10).map((e) => `  - ${e}`).join("\n")}`);
  return parts.join("\n\n");
}
