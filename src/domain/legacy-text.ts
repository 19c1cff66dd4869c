/**
 * The "[Message ID: X]" marker and the tags after it, for entries the service writes into a room that
 * legacy ConversationManager workers also read (the unbraced key layout). Those workers know a
 * message only by that text; the service keeps the same facts in fields, so it writes the marker on
 * the way in (flag `lm`) and strips it on the way out. Twin of includes/legacy.lua.
 */
import type { Entry } from "./entry.js";

export const MARKER = /\[Message ID: ([^\]]+)\]/;
const HEAD = /^\[Message ID: [^\]]+\](?: ?\[deleted at [^\]]*\]| ?\[Reactions: [^\]]*\])*/;

export function markerOf(id: string): string {
  return `[Message ID: ${id}]`;
}

/** The entry as a legacy reader must see it: the marker leads its text (the first text part). */
export function withMarker(entry: Entry): Entry {
  if (!entry.id || entry.lm) return entry;
  const marker = markerOf(entry.id);
  if (typeof entry.content === "string") {
    return { ...entry, content: entry.content ? `${marker} ${entry.content}` : marker, lm: 1 };
  }
  const text = entry.content_text;
  const parts = [{ type: "text" as const, text: text ? `${marker} ${text}` : marker }, ...entry.content];
  const { content_text: _dropped, ...rest } = entry;
  return { ...rest, content: parts, lm: 1 };
}

/** The entry as the service's clients see it: marker and tags removed again (the fields hold them). */
export function withoutMarker(entry: Entry): Entry {
  if (!entry.lm) return entry;
  const { lm: _flag, ...rest } = entry;
  if (typeof rest.content === "string") return { ...rest, content: stripHead(rest.content) };
  const [first, ...others] = rest.content;
  if (first?.type !== "text" || !HEAD.test(first.text)) return rest;
  const text = stripHead(first.text);
  return text ? { ...rest, content: others, content_text: text } : { ...rest, content: others };
}

function stripHead(text: string): string {
  return text.replace(HEAD, "").replace(/^ /, "");
}

/** True when the entry's text carries the marker of `id` (a legacy entry found by its marker). */
export function hasMarker(entry: Entry, id: string): boolean {
  const marker = markerOf(id);
  if (typeof entry.content === "string") return entry.content.includes(marker);
  return entry.content.some((p) => p.type === "text" && p.text.includes(marker));
}

/**
 * The forms an id can take inside an entry's JSON text: as is, JSON-escaped, with "/" escaped (Lua's
 * cjson), and with non-ASCII escaped as Python's json.dumps writes it. The patch script uses them to
 * skip entries cheaply; it compares ids decoded.
 */
export function idForms(id: string): string[] {
  const json = JSON.stringify(id).slice(1, -1);
  const ascii = json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return [...new Set([id, json, json.replaceAll("/", "\\/"), ascii, ascii.replaceAll("/", "\\/")])];
}
