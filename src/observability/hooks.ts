/**
 * Counting points inside the server (watch fan-out, conflicts, the read cache, the reaper) for the
 * metrics. Each is a no-op until metrics start (src/observability/metrics.ts replaces them), so a
 * server without metrics pays one empty call per point and allocates nothing.
 */
import type { WatchChange } from "../wire/change.js";

export interface Hooks {
  /** A change (or RESYNC) was written to a watch stream. */
  changeSent(change: WatchChange): void;
  /** A slow stream's pending change of a room absorbed a newer one (one message instead of two). */
  changesMerged(): void;
  /** A mutation was refused with ABORTED; `reason` is the ErrorInfo reason (VERSION_CONFLICT, ...). */
  aborted(reason: string): void;
  /** Stored entries that did not decode and were left out of a read. */
  corruptedSkipped(count: number): void;
  /** A read answered from the snapshot cache (the store confirmed it current) or read in full. */
  readCache(hit: boolean): void;
  /** Idle rooms expired (ReapIdleRooms or the schedule), not a dry run. */
  roomsReaped(count: number): void;
}

const noop = (): void => {};

const NONE: Hooks = {
  changeSent: noop, changesMerged: noop, aborted: noop, corruptedSkipped: noop, readCache: noop, roomsReaped: noop,
};

/** The hooks in force; call as `hooks.changeSent(c)`. One set per process: the last metrics started. */
export const hooks: Hooks = { ...NONE };

/** Installs counting hooks; returns their removal (back to no-ops). */
export function installHooks(installed: Hooks): () => void {
  Object.assign(hooks, installed);
  return () => {
    Object.assign(hooks, NONE);
  };
}
