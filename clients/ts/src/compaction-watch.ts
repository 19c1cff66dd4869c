/**
 * CompactionWatch: the token total and needs_compaction of each room as its latest watched change
 * reported them (RoomChange.tokenCount / needsCompaction, sent for rooms with agent options), and the
 * crossing: the first change on which needsCompaction turned true. The mirror feeds it the watch's
 * changes only, including those its copy skips: its own appends are applied before the watch brings them,
 * and only the watch's copy of a change carries the room's totals. The Python twin is CompactionWatch in
 * clients/python/src/roomhistory/_window.py.
 */
import type { RoomChange } from "./gen/roomhistory/v1/change.js";

interface Totals {
  readonly tokenCount: number;
  readonly needsCompaction: boolean;
}

const NONE: Totals = { tokenCount: 0, needsCompaction: false };

export class CompactionWatch {
  private readonly latest = new Map<string, Totals>();

  /** Records the change's totals; true when it is the crossing (needsCompaction turned true). */
  seen(change: RoomChange): boolean {
    const before = this.totals(change.roomId).needsCompaction;
    this.latest.set(change.roomId, { tokenCount: change.tokenCount, needsCompaction: change.needsCompaction });
    return change.needsCompaction && !before;
  }

  /** The room's totals as its latest watched change said (zero and false before any). */
  totals(roomId: string): Totals {
    return this.latest.get(roomId) ?? NONE;
  }

  /** Forgets a room (unfollowed). */
  forget(roomId: string): void {
    this.latest.delete(roomId);
  }
}
