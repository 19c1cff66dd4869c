/**
 * The one way a planned rewrite (prune, compaction) is applied: read a snapshot, plan from it, apply
 * the plan with the store's atomic rewriteHead, which refuses when the room moved since the snapshot.
 * A caller that named no expected_version did not ask to fail then, so the read and the plan are
 * repeated (up to RETRIES times); with expected_version a room at another version is ABORTED at once,
 * even when there is nothing to do.
 */
import { DomainError, versionConflict } from "../domain/errors.js";
import type { RewritePlan } from "../store/agent-types.js";
import type { HistoryStore, RoomSnapshot, WriteOptions } from "../store/store.js";

const RETRIES = 3;

/** What applying gave: the room's version after it, and the plan's outcome (undefined: nothing to do). */
export interface Applied<T> {
  version: number;
  outcome?: T;
}

export async function applyPlanned<T extends { plan: RewritePlan }>(
  store: HistoryStore, roomId: string, opts: WriteOptions, plan: (snap: RoomSnapshot) => T | undefined,
): Promise<Applied<T>> {
  for (let attempt = 0; ; attempt++) {
    const snap = await store.read(roomId);
    if (opts.expectedVersion !== undefined && opts.expectedVersion !== snap.version) {
      throw versionConflict(roomId, opts.expectedVersion, snap.version);
    }
    const outcome = plan(snap);
    if (!outcome) return { version: snap.version };
    try {
      const { version } = await store.rewriteHead(roomId, outcome.plan, opts);
      return { version, outcome };
    } catch (err) {
      const retry = err instanceof DomainError && err.code === "VERSION_CONFLICT" &&
        opts.expectedVersion === undefined && attempt < RETRIES;
      if (!retry) throw err;
    }
  }
}
