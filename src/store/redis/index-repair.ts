/**
 * Room index updates that failed, tried again in the background. The indexes and the room
 * announcements share one slot (the `{rooms}` tag): while its master fails over, a room created or
 * moved then is missing from ListRooms, and its announcement (published with the write) is lost with
 * the subscriber's node, so a prefix or namespace watch would never find it. Here the room is indexed
 * again (the scores its write recorded, its namespace and labels now) once the slot has a master, and
 * a room that was created or moved is announced again, so watches find it (a repeated announcement is
 * harmless: a followed room is not added twice). Its next write re-indexes it too, as before.
 */
import type { Cluster, Redis } from "ioredis";
import type { Logger } from "pino";
import type { KeySpace } from "../keys.js";
import type { IndexHints } from "./script-calls.js";

/** Waits between rounds (ms): ~40 s in all, longer than a failover with the default node timeouts. */
const DELAYS_MS = [250, 500, 1000, 2000, 4000, 8000, 8000, 8000, 8000];

/** The index scores the failed write recorded in the room's meta (its `xi` and `ai`). */
export interface Scores {
  expiry: string;
  activityMs: string;
}

interface Pending {
  scores: Scores;
  /** The namespace a moved room left ("" for a room created); undefined: nothing to announce. */
  announceFrom?: string;
}

export class IndexRepair {
  private readonly pending = new Map<string, Pending>();
  private running = false;
  private closed = false;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly redis: Redis | Cluster,
    private readonly keys: KeySpace,
    private readonly logger: Logger,
    /** Applies index hints, throwing when Redis refuses (RoomIndexes.applyOrThrow). */
    private readonly reindex: (roomId: string, hints: IndexHints) => Promise<void>,
  ) {}

  /** Tries the room's indexes again soon; `announceFrom` set: announce it again once they are right. */
  schedule(roomId: string, scores: Scores, announceFrom?: string): void {
    if (this.closed) return;
    const was = this.pending.get(roomId);
    this.pending.set(roomId, { scores, announceFrom: announceFrom ?? was?.announceFrom });
    if (!this.running) void this.rounds();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private async rounds(): Promise<void> {
    this.running = true;
    try {
      for (const delay of DELAYS_MS) {
        await new Promise<void>((resolve) => {
          this.timer = setTimeout(resolve, delay);
          this.timer.unref();
        });
        if (this.closed) return;
        for (const [roomId, p] of [...this.pending]) {
          if (await this.repair(roomId, p)) this.pending.delete(roomId);
        }
        if (this.pending.size === 0) return;
      }
      this.logger.warn({ rooms: this.pending.size }, "room index repair gave up; the rooms are indexed again on their next write");
      this.pending.clear();
    } finally {
      this.running = false;
    }
  }

  /** True when done (indexed and announced, or the room is gone); false to try again. */
  private async repair(roomId: string, p: Pending): Promise<boolean> {
    const k = this.keys.room(roomId);
    try {
      const [[gone, ns, labels], version] = await Promise.all([
        this.redis.hmget(k.meta, "gone", "ns", "labels"),
        this.redis.get(k.version),
      ]);
      if (gone !== null || version === null) return true; // deleted or expired since: nothing to index
      const ai = p.scores.activityMs;
      const activity = !ai ? "" : ns || labels ? `${ai} ${JSON.stringify([ns ?? "", labels ?? ""])}` : ai;
      await this.reindex(roomId, { addRoom: true, expiry: p.scores.expiry, activity });
      if (p.announceFrom !== undefined) {
        const announcement = { r: roomId, v: Number(version), ns: ns ?? "", pns: p.announceFrom };
        await this.redis.publish(this.keys.announceChannel(), JSON.stringify(announcement));
      }
      this.logger.info({ roomId, announced: p.announceFrom !== undefined }, "room index repaired");
      return true;
    } catch {
      return false;
    }
  }
}
