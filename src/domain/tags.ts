/**
 * The in-content tags of the legacy ConversationManager: "[Message ID: X]", "[deleted at T]" and
 * "[Reactions: ...]". Legacy entries carry them in their content; our entries keep the same facts in
 * fields, and RenderMessages writes the tags for the model.
 */
import type { EntryReaction } from "./entry.js";

export function deletedTag(deletedAt: string): string {
  return `[deleted at ${deletedAt}]`;
}

/** "👍×2, 🎉": a reaction without a count is just its emoji. */
export function formatReactions(reactions: readonly EntryReaction[]): string {
  return reactions.map((r) => (r.count ? `${r.emoji}×${r.count}` : r.emoji)).join(", ");
}

export function reactionsTag(reactions: readonly EntryReaction[]): string {
  return reactions.length ? `[Reactions: ${formatReactions(reactions)}]` : "";
}

const DELETED = /\[deleted at ([^\]]*)\]/;
const REACTIONS = /\[Reactions: ([^\]]*)\]/;

/** The deletion time of a legacy tag, as written (may be any text the legacy worker put there). */
export function parseDeletedTag(content: string): string | undefined {
  return DELETED.exec(content)?.[1]?.trim();
}

/** Reads "👍×2, 🎉 3, ❤" back into reactions; best effort, as legacy workers wrote free text. */
export function parseReactionsTag(content: string): EntryReaction[] {
  const body = REACTIONS.exec(content)?.[1];
  if (!body) return [];
  return body
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean)
    .map((item) => {
      const m = /^(.*?)\s*(?:[×x:]\s*|\s)(\d+)$/u.exec(item);
      return m ? { emoji: m[1].trim(), count: Number(m[2]) } : { emoji: item };
    });
}

export function hasDeletedTag(content: string): boolean {
  return DELETED.test(content);
}

export function hasReactionsTag(content: string): boolean {
  return REACTIONS.test(content);
}
