import type { Redis, Cluster } from "ioredis";
import type { Logger } from "pino";
import type { KeySpace } from "../keys.js";
import type { RoomPage } from "../store.js";
import type { IndexHints } from "./script-calls.js";
import { labelsOfField } from "./metadata-script-calls.js";
import type { IndexRepair } from "./index-repair.js";

/** What a metadata update changed of the room's namespace and labels (update-room-metadata-5.lua). */
export interface MetadataMove {
  namespaceBefore: string;
  namespaceAfter: string;
  labelsBefore: string[];
  labelsAfter: string[];
}

/**
 * An activity hint: "<ms>", or "<ms> <JSON [namespace, labels JSON]>" for a room with a namespace or
 * labels (index_hints() in includes/common.lua); undefined for "" (nothing to do).
 */
export function parseActivity(hint: string): { score: number; namespace: string; labels: string[] } | undefined {
  if (!hint) return undefined;
  const space = hint.indexOf(" ");
  if (space < 0) return { score: Number(hint), namespace: "", labels: [] };
  const [namespace, labels] = JSON.parse(hint.slice(space + 1)) as [string, string];
  return { score: Number(hint.slice(0, space)), namespace, labels: labelsOfField(labels) };
}

type Run = <T>(call: () => Promise<T>) => Promise<T>;

/**
 * The three room indexes (ListRooms, expiry deadlines, last activity). They live in their own slot,
 * so the scripts cannot write them: a script says what changed (IndexHints) and this class applies
 * it afterwards. A failure here never fails the committed write: it is logged, and the room's meta is
 * told to ask again on its next write. Scores may be early, never late: the reaper re-checks each
 * room in its own script.
 */
export class RoomIndexes {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly keys: KeySpace,
    private readonly logger: Logger,
    private readonly run: Run,
  ) {}

  /** Tries again in the background what failed here (set by the store; see index-repair.ts). */
  repair?: IndexRepair;

  async apply(roomId: string, hints: IndexHints, moved?: MetadataMove): Promise<void> {
    try {
      await this.applyOrThrow(roomId, hints, moved);
    } catch (err) {
      const created = hints.addRoom || moved !== undefined && moved.namespaceBefore !== moved.namespaceAfter;
      const announceFrom = created ? moved?.namespaceBefore ?? "" : undefined;
      this.logger.warn({ roomId, err: (err as Error).message }, "room index update failed; retried in the background and on the room's next write");
      // The scores the script recorded, before they are cleared: the repair writes them (early, never late).
      const [xi, ai] = await this.redis.hmget(this.keys.room(roomId).meta, "xi", "ai").catch(() => [null, null]);
      await this.forgetHints(roomId);
      this.repair?.schedule(roomId, { expiry: xi ?? "", activityMs: ai ?? "" }, announceFrom);
    }
  }

  /** Clears what the room's meta says is indexed, so its next write sends every hint again. */
  async forgetHints(roomId: string): Promise<void> {
    // HDEL never creates the hash, so this cannot revive a room deleted meanwhile.
    await this.redis.hdel(this.keys.room(roomId).meta, "idx", "xi", "ai").catch(() => undefined);
  }

  /** Applies the hints; throws what Redis refused. */
  async applyOrThrow(roomId: string, hints: IndexHints, moved?: MetadataMove): Promise<void> {
    const ops: Promise<unknown>[] = [];
    if (hints.addRoom) ops.push(this.redis.zadd(this.keys.roomIndex(), 0, roomId));
    if (hints.expiry === "-") ops.push(this.redis.zrem(this.keys.expiryIndex(), roomId));
    else if (hints.expiry) ops.push(this.redis.zadd(this.keys.expiryIndex(), hints.expiry, roomId));
    const activity = parseActivity(hints.activity);
    if (activity) {
      ops.push(this.redis.zadd(this.keys.activityIndex(), activity.score, roomId));
      // Re-adding to the by-id sets on every activity hint is what retries a failed move on the next write.
      ops.push(...this.scoreIn(roomId, activity.namespace, activity.labels, activity.score));
    }
    if (moved) ops.push(...this.move(roomId, moved, activity?.score ?? Date.now()));
    if (ops.length === 0) return;
    await this.run(() => Promise.all(ops));
  }

  /**
   * Removes a deleted or expired room from every index. A write that revived the room meanwhile may
   * have indexed it before this ZREM; the re-check after it puts such a room back.
   */
  async unindex(roomId: string): Promise<void> {
    const k = this.keys.room(roomId);
    try {
      // The main indexes first, in the same trip as before filters existed: a watcher told of the expiry
      // lists rooms at once. bury() keeps the room's namespace and labels as gns/glb for the rest.
      const [[ns, labels]] = await this.run(() => Promise.all([
        this.redis.hmget(k.meta, "gns", "glb"),
        this.redis.zrem(this.keys.roomIndex(), roomId),
        this.redis.zrem(this.keys.expiryIndex(), roomId),
        this.redis.zrem(this.keys.activityIndex(), roomId),
      ]));
      await this.run(() => Promise.all(this.leave(roomId, ns ?? "", labelsOfField(labels ?? ""))));
      const [gone, xi, ai] = await this.run(() => this.redis.hmget(k.meta, "gone", "xi", "ai"));
      const revived = gone === null && (await this.run(() => this.redis.exists(k.version, k.list))) > 0;
      if (revived) await this.apply(roomId, { addRoom: true, expiry: xi ?? "", activity: ai ?? "" });
    } catch (err) {
      this.logger.warn({ roomId, err: (err as Error).message }, "removing a room from the indexes failed");
    }
  }

  /** Puts a room the reaper visited too early back at its real scores. */
  async rescore(roomId: string, deadline: string, activity: string): Promise<void> {
    await this.apply(roomId, { addRoom: false, expiry: deadline || "-", activity });
  }

  /** Room ids whose score in the expiry (maxIdle 0) or activity index is at or below `cutoff`. */
  async candidates(byActivity: boolean, cutoff: number, offset: number, count: number): Promise<string[]> {
    const index = byActivity ? this.keys.activityIndex() : this.keys.expiryIndex();
    return this.run(() => this.redis.zrangebyscore(index, "-inf", cutoff, "LIMIT", offset, count));
  }

  /** ZADDs of the room into its namespace's and labels' indexes (by id and by activity `score`). */
  private scoreIn(roomId: string, namespace: string, labels: readonly string[], score: number): Promise<unknown>[] {
    const ops: Promise<unknown>[] = [];
    if (namespace) {
      ops.push(this.redis.zadd(this.keys.namespaceRoomIndex(namespace), 0, roomId));
      ops.push(this.redis.zadd(this.keys.namespaceActivityIndex(namespace), score, roomId));
    }
    for (const label of labels) {
      ops.push(this.redis.zadd(this.keys.labelIndex(label), 0, roomId));
      ops.push(this.redis.zadd(this.keys.labelActivityIndex(label), score, roomId));
    }
    return ops;
  }

  /** ZREMs of the room from a namespace's and labels' indexes. */
  private leave(roomId: string, namespace: string, labels: readonly string[]): Promise<unknown>[] {
    const ops: Promise<unknown>[] = [];
    if (namespace) {
      ops.push(this.redis.zrem(this.keys.namespaceRoomIndex(namespace), roomId));
      ops.push(this.redis.zrem(this.keys.namespaceActivityIndex(namespace), roomId));
    }
    for (const label of labels) {
      ops.push(this.redis.zrem(this.keys.labelIndex(label), roomId));
      ops.push(this.redis.zrem(this.keys.labelActivityIndex(label), roomId));
    }
    return ops;
  }

  /** A metadata update's index changes: out of what the room left, into what it joined. */
  private move(roomId: string, m: MetadataMove, score: number): Promise<unknown>[] {
    const goneLabels = m.labelsBefore.filter((l) => !m.labelsAfter.includes(l));
    const newLabels = m.labelsAfter.filter((l) => !m.labelsBefore.includes(l));
    const nsChanged = m.namespaceBefore !== m.namespaceAfter;
    return [
      ...this.leave(roomId, nsChanged ? m.namespaceBefore : "", goneLabels),
      ...this.scoreIn(roomId, nsChanged ? m.namespaceAfter : "", newLabels, score),
    ];
  }

  async list(pageSize: number, after?: string): Promise<RoomPage> {
    const min = after === undefined ? "-" : `(${after}`;
    const ids = await this.run(() =>
      this.redis.zrangebylex(this.keys.roomIndex(), min, "+", "LIMIT", 0, pageSize + 1),
    );
    const roomIds = ids.slice(0, pageSize);
    return { roomIds, next: ids.length > pageSize ? roomIds[roomIds.length - 1] : undefined };
  }
}
