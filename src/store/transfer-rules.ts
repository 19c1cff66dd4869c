/**
 * The rules an import follows in both stores (HistoryStore.importRoom; src/store/memory/transfer.ts
 * and src/store/redis/transfer.ts with import-room-5.lua): what the window may weigh, and where the
 * seq counter and the version land. The conformance suite (test/conformance/transfer-suite.ts) holds
 * the two stores to them.
 */
import { tooLarge } from "../domain/errors.js";
import type { RoomData } from "./transfer-types.js";

/**
 * The imported seq counter: never below a seq the room's entries (window or archive) carry, so that a
 * later append continues above every one of them even when the record's last_seq lags.
 */
export function importedSeq(data: RoomData): number {
  let seq = Math.max(0, Math.trunc(data.lastSeq));
  for (const e of data.entries) seq = Math.max(seq, e.seq ?? 0);
  for (const e of data.archive) seq = Math.max(seq, e.seq ?? 0);
  return seq;
}

/**
 * The version after the import: the record's, unless the room's current version (or its tombstone's)
 * is as high, then one above it. A version never goes down; a create on an empty store keeps the record's.
 */
export function importedVersion(recordVersion: number, currentVersion: number): number {
  return Math.max(Math.trunc(recordVersion), currentVersion + 1);
}

/** The room's byte budget: its own, never above the store's (as byte_budget() in includes/trim.lua). */
export function importBudget(data: RoomData, serverMaxBytes: number): number {
  return Math.min(data.maxBytes ?? serverMaxBytes, serverMaxBytes);
}

/**
 * An imported window is kept as it is, never trimmed: one heavier than the room's byte budget is
 * refused (RESOURCE_EXHAUSTED naming "messages"). `sizes` are the entries' stored sizes in bytes.
 */
export function checkWindowBudget(sizes: readonly number[], budget: number): void {
  const bytes = sizes.reduce((n, s) => n + s, 0);
  if (bytes > budget) {
    throw tooLarge("messages", `would make the window ${bytes} bytes, more than the room's byte budget of ${budget} bytes`);
  }
}
