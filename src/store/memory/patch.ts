import type { Entry, EntryPart } from "../../domain/entry.js";
import { markerOf } from "../../domain/legacy-text.js";

/**
 * In-place message edits of the memory store, the TypeScript twins of src/store/lua/includes/legacy.lua
 * (set_text, put_legacy_tag): legacy entries keep their "[Message ID: X]" marker and its tags in the
 * text legacy readers see, string content or the marked text part of a multimodal message.
 */

type TextPart = Extract<EntryPart, { type: "text" }>;
const TAG = / ?\[deleted at [^\]]*\]| ?\[Reactions: [^\]]*\]/y;

/** The marked text: the string content, or the first text part that has the marker. */
function holder(entry: Entry, marker: string): { get(): string; set(text: string): void; part?: TextPart } | undefined {
  if (typeof entry.content === "string") {
    if (!entry.content.includes(marker)) return undefined;
    return { get: () => entry.content as string, set: (t) => (entry.content = t) };
  }
  const part = entry.content.find((p): p is TextPart => p.type === "text" && p.text.includes(marker));
  return part && { get: () => part.text, set: (t) => (part.text = t), part };
}

/** The marker and the tags right after it. */
function markerHead(text: string, marker: string): string {
  let end = text.indexOf(marker) + marker.length;
  for (;;) {
    TAG.lastIndex = end;
    const m = TAG.exec(text);
    if (!m) return text.slice(0, end);
    end += m[0].length;
  }
}

function keepsMarker(entry: Entry): boolean {
  return entry.id === undefined || entry.lm === 1;
}

/** Replaces the message's text; image parts are kept; a legacy marker is kept in front of the text. */
export function setText(entry: Entry, text: string, messageId: string): void {
  const marker = markerOf(messageId);
  const h = keepsMarker(entry) ? holder(entry, marker) : undefined;
  if (h) {
    h.set(text.includes(marker) ? text : `${markerHead(h.get(), marker)} ${text}`);
    if (h.part && Array.isArray(entry.content)) {
      entry.content = entry.content.filter((p) => p === h.part || p.type !== "text");
      delete entry.content_text;
    }
    return;
  }
  if (typeof entry.content === "string") {
    entry.content = text;
    return;
  }
  const kept = entry.content.filter((p) => p.type !== "text");
  if (kept.length === 0) {
    entry.content = text;
    delete entry.content_text;
    return;
  }
  entry.content = kept;
  entry.content_text = text;
}

const TAGS = { deleted: / ?\[deleted at [^\]]*\]/g, reactions: / ?\[Reactions: [^\]]*\]/g };

/** Replaces a legacy tag right after the "[Message ID: X]" marker, in string content or the marked part. */
export function applyLegacyTag(entry: Entry, messageId: string, tag: keyof typeof TAGS, text: string): void {
  if (!keepsMarker(entry)) return;
  const marker = markerOf(messageId);
  const h = holder(entry, marker);
  if (!h) return;
  const content = h.get().replace(TAGS[tag], "");
  if (!text) {
    h.set(content);
    return;
  }
  const end = content.indexOf(marker) + marker.length;
  h.set(`${content.slice(0, end)} ${text}${content.slice(end)}`);
}
