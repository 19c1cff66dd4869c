/**
 * The participants an append adds (RoomMetadata.participants: every appended message's non-empty
 * sender, with first and last seen): one row per distinct sender of the batch, so that a store
 * touches each participant once per append.
 */
import type { Entry } from "../domain/entry.js";

/** [sender, first created_at ms, last created_at ms] per distinct non-empty sender, in batch order. */
export function sendersOf(entries: readonly Entry[], nowMs = Date.now()): [string, number, number][] {
  const rows = new Map<string, [string, number, number]>();
  for (const e of entries) {
    if (!e.sender) continue;
    const parsed = e.created_at ? Date.parse(e.created_at) : NaN;
    const at = Number.isFinite(parsed) ? parsed : nowMs;
    const row = rows.get(e.sender);
    if (!row) rows.set(e.sender, [e.sender, at, at]);
    else {
      row[1] = Math.min(row[1], at);
      row[2] = Math.max(row[2], at);
    }
  }
  return [...rows.values()];
}
