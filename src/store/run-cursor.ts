/**
 * Run cursors (GetRunCursor / UpdateRunCursor): worker bookkeeping kept per room and run, outside the
 * history (no version, no change). The rule for an update lives here for the memory store and in
 * update-run-cursor-5.lua for Redis; the conformance suite holds the two together.
 */
import { DomainError, tooLarge } from "../domain/errors.js";
import type { RunCursor, RunCursorUpdate } from "./agent-types.js";

/** The most bytes a cursor's values may take: every key and value, in UTF-8. */
export const MAX_CURSOR_VALUES_BYTES = 64 * 1024;

/** What a run without a cursor reads. */
export const NO_CURSOR: RunCursor = { exists: false, nextSeq: 0, values: {} };

/** The stored form: next_seq as decimal text (Lua's cjson would round a large number). */
export interface StoredCursor {
  next_seq: string;
  values: Record<string, string>;
}

export function cursorOf(stored: StoredCursor | undefined): RunCursor {
  if (!stored) return { ...NO_CURSOR, values: {} };
  return { exists: true, nextSeq: Number(stored.next_seq), values: { ...stored.values } };
}

/** Reads a stored cursor's JSON ('' for none). */
export function parseCursor(json: string): RunCursor {
  if (json === "") return cursorOf(undefined);
  const stored = JSON.parse(json) as Partial<StoredCursor>;
  // Lua's cjson writes an empty values table as {} but a decoder may meet [] from an older writer.
  const values = stored.values && !Array.isArray(stored.values) ? stored.values : {};
  return cursorOf({ next_seq: String(stored.next_seq ?? "0"), values });
}

export function valuesBytes(values: Record<string, string>): number {
  let bytes = 0;
  for (const [k, v] of Object.entries(values)) bytes += Buffer.byteLength(k, "utf8") + Buffer.byteLength(v, "utf8");
  return bytes;
}

/** expected_next_seq did not match: ABORTED with reason CURSOR_CONFLICT and the cursor's next_seq. */
export function cursorConflict(roomId: string, runId: string, expected: number, current: number): DomainError {
  return new DomainError("CURSOR_CONFLICT",
    `cursor conflict for run ${runId} in room ${roomId}: expected next_seq ${expected}, current ${current}`,
    { room_id: roomId, run_id: runId, expected_next_seq: String(expected), current_next_seq: String(current) });
}

export function cursorTooLarge(bytes: number): DomainError {
  return tooLarge("values", `would make the cursor's values ${bytes} bytes, more than ${MAX_CURSOR_VALUES_BYTES}`);
}

/** The cursor after `update` (or a thrown CURSOR_CONFLICT / TOO_LARGE), as update-run-cursor-5.lua computes it. */
export function applyCursorUpdate(
  roomId: string, runId: string, current: StoredCursor | undefined, update: RunCursorUpdate,
): StoredCursor {
  const next: StoredCursor = { next_seq: current?.next_seq ?? "0", values: { ...current?.values } };
  if (update.expectedNextSeq !== undefined && next.next_seq !== String(update.expectedNextSeq)) {
    throw cursorConflict(roomId, runId, update.expectedNextSeq, Number(next.next_seq));
  }
  if (update.nextSeq !== undefined) next.next_seq = String(update.nextSeq);
  for (const [k, v] of Object.entries(update.values)) {
    if (v === "") delete next.values[k];
    else next.values[k] = v;
  }
  const bytes = valuesBytes(next.values);
  if (bytes > MAX_CURSOR_VALUES_BYTES) throw cursorTooLarge(bytes);
  return next;
}
