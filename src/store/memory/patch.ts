import type { Entry } from "../../domain/entry.js";

/**
 * In-place message edits of the memory store, the TypeScript twins of the helpers in
 * src/store/lua/patch-message-3.lua (set_text, put_legacy_tag).
 */

/** Replaces the message's text; image parts of a multimodal message are kept. */
export function setText(entry: Entry, text: string): void {
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

/** Replaces a legacy tag right after the "[Message ID: X]" marker of a legacy string content. */
export function applyLegacyTag(entry: Entry, tag: keyof typeof TAGS, text: string): void {
  if (typeof entry.content !== "string") return;
  const content = entry.content.replace(TAGS[tag], "");
  const marker = /\[Message ID: [^\]]+\]/.exec(content);
  if (!text || !marker) {
    entry.content = content;
    return;
  }
  const end = marker.index + marker[0].length;
  entry.content = `${content.slice(0, end)} ${text}${content.slice(end)}`;
}
