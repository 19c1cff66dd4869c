/**
 * The "[Message ID: X]" marker and the tags after it, for entries the service writes into a room that
 * legacy ConversationManager workers also read (the unbraced key layout). Those workers know a
 * message only by that text; the service keeps the same facts in fields, so it writes the marker on
 * the way in (flag `lm`) and strips it on the way out. Twin of includes/legacy.lua.
 */
import type { Entry } from "./entry.js";
import { deletedTag, reactionsTag } from "./tags.js";

export const MARKER = /\[Message ID: ([^\]]+)\]/;

export function markerOf(id: string): string {
  return `[Message ID: ${id}]`;
}

/**
 * The entry as a legacy reader must see it: the marker, then the tags of its deletion and reactions,
 * lead its text (the first text part).
 */
export function withMarker(entry: Entry): Entry {
  if (!entry.id || entry.lm) return entry;
  const head = [markerOf(entry.id), ...ownTags(entry)].join(" ");
  if (typeof entry.content === "string") {
    return { ...entry, content: entry.content ? `${head} ${entry.content}` : head, lm: 1 };
  }
  const text = entry.content_text;
  const parts = [{ type: "text" as const, text: text ? `${head} ${text}` : head }, ...entry.content];
  const { content_text: _dropped, ...rest } = entry;
  return { ...rest, content: parts, lm: 1 };
}

/** The entry as the service's clients see it: marker and tags removed again (the fields hold them). */
export function withoutMarker(entry: Entry): Entry {
  if (!entry.lm) return entry;
  const { lm: _flag, ...rest } = entry;
  if (typeof rest.content === "string") {
    const text = stripHead(rest.content, rest);
    return text === undefined ? rest : { ...rest, content: text };
  }
  const [first, ...others] = rest.content;
  const text = first?.type === "text" ? stripHead(first.text, rest) : undefined;
  if (text === undefined) return rest;
  return text ? { ...rest, content: others, content_text: text } : { ...rest, content: others };
}

/**
 * The text after the marker and the tags the service wrote after it: exactly those the entry's fields
 * name (own_tags() in includes/legacy.lua), found by equality, so a user's text that starts with
 * "[deleted at x]" is kept. Undefined when the marker does not lead (a legacy worker rewrote the text).
 */
function stripHead(text: string, entry: Entry): string | undefined {
  const marker = entry.id ? markerOf(entry.id) : undefined;
  if (!marker || !text.startsWith(marker)) return undefined;
  let rest = text.slice(marker.length);
  const tags = ownTags(entry);
  for (let i = 0; i < tags.length; ) {
    if (rest.startsWith(` ${tags[i]}`)) {
      rest = rest.slice(tags[i].length + 1);
      tags.splice(i, 1);
      i = 0;
    } else i++;
  }
  return rest.startsWith(" ") ? rest.slice(1) : rest;
}

function ownTags(entry: Entry): string[] {
  const tags: string[] = [];
  if (entry.deleted_at) tags.push(deletedTag(entry.deleted_at));
  if (entry.reactions?.length) tags.push(reactionsTag(entry.reactions));
  return tags;
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
