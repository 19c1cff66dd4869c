import { encodeEntry } from "../domain/entry.js";
import type { WatchChange } from "../wire/change.js";

/**
 * Most entries, and bytes of them, one merged change may carry before it becomes a RESYNC: bounds a
 * slow stream's memory, and keeps the merged message far below a client's 4 MiB receive limit.
 */
export const MAX_MERGED_ENTRIES = 256;
export const MAX_MERGED_BYTES = 256 * 1024;

/**
 * Bytes of entries one stream may hold back over all its rooms (a slow client watching thousands of
 * rooms): past it, a waiting change waits as a RESYNC, without its entries.
 */
export const MAX_PENDING_BYTES = 1024 * 1024;

const sizes = new WeakMap<WatchChange, number>();

/** Bytes of a change's entries, as stored JSON (counted once per change object). */
export function entriesBytes(c: WatchChange): number {
  let size = sizes.get(c);
  if (size === undefined) {
    size = c.entries.reduce((n, e) => n + encodeEntry(e).length, 0);
    sizes.set(c, size);
  }
  return size;
}

/** A RESYNC from `from` to `to`: the client fetches the room to catch up. */
export function resync(roomId: string, from: number, to: number): WatchChange {
  return { roomId, version: to, previousVersion: from, kind: "resync", entries: [], omitted: true, trimmed: 0 };
}

/**
 * Merges two changes of one room that a slow stream has not sent yet. Consecutive appends merge
 * exactly (append all, then drop the sum of the trims from the front); anything else becomes a
 * RESYNC spanning both, so the pending state per room never exceeds one change. Either way the
 * merged change carries the newer one's agent fields (token total, needs_compaction): a room crossing
 * its compaction threshold is still seen to.
 */
export function coalesce(a: WatchChange, b: WatchChange): WatchChange {
  const appends =
    a.kind === "append" && b.kind === "append" && !a.omitted && !b.omitted && a.version === b.previousVersion &&
    a.entries.length + b.entries.length <= MAX_MERGED_ENTRIES &&
    entriesBytes(a) + entriesBytes(b) <= MAX_MERGED_BYTES;
  if (!appends) return { ...resync(a.roomId, a.previousVersion, b.version), agent: b.agent };
  return {
    ...a,
    version: b.version,
    entries: [...a.entries, ...b.entries],
    trimmed: a.trimmed + b.trimmed,
    agent: b.agent,
  };
}
