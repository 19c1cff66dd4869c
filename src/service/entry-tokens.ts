/**
 * The token count an UpdateMessage stores with the edited entry (`tk`). An edit replaces the text and
 * keeps the tool calls, and only the store finds the entry (atomically, in its script), so the count
 * is made here from the newest entry with that id in a read just before: the new text's tokens plus
 * the tool calls' tokens. Tool calls never change once written, so the read can only be wrong if
 * another message with the same id is appended between the read and the edit, and then only by the
 * tool calls' share.
 */
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { entryId, type Entry } from "../domain/entry.js";
import { countTokens, entryTokens } from "../prompt/tokens.js";
import type { HistoryStore } from "../store/store.js";

export async function editedTokens(store: HistoryStore, roomId: string, messageId: string, text: string): Promise<number> {
  const textTokens = countTokens(text);
  const { entries } = await store.read(roomId);
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i];
    if (entryId(e) !== messageId) continue;
    // The tool calls' share: the entry's count with no text of its own.
    return textTokens + (e.tool_calls?.length ? entryTokens({ role: e.role, content: "", tool_calls: e.tool_calls }) : 0);
  }
  return textTokens;
}

/** How long counting may hold the event loop before other calls get a turn. */
const SLICE_MS = 10;

/**
 * The entries with their token counts (`tk`). Counting is CPU work (up to some 200 ms for a megabyte
 * of base64, see countTokens): a large batch lets other calls run between messages.
 */
export async function withTokens(entries: Entry[]): Promise<Entry[]> {
  const out: Entry[] = [];
  let since = performance.now();
  for (const e of entries) {
    out.push({ ...e, tk: entryTokens(e) });
    if (performance.now() - since > SLICE_MS) {
      await yieldToEventLoop();
      since = performance.now();
    }
  }
  return out;
}
