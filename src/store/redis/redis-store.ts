import type { Redis, Cluster } from "ioredis";
import type { Logger } from "pino";
import { decodeEntry, encodeEntry, type Entry } from "../../domain/entry.js";
import { invalid, messageNotFound, messageOverBudget, patchOverBudget, versionConflict } from "../../domain/errors.js";
import { idForms, withMarker } from "../../domain/legacy-text.js";
import { nowIso } from "../../domain/timestamps.js";
import { deletedTag, reactionsTag } from "../../domain/tags.js";
import { KeySpace, type KeyOptions } from "../keys.js";
import {
  DEFAULT_IDEMPOTENCY_TTL_SECONDS, DEFAULT_MAX_ROOM_BYTES, DEFAULT_READ_CACHE_BYTES, DEFAULT_TOMBSTONE_TTL_SECONDS,
  clampMaxBytes,
  type AppendOptions, type AppendResult, type HistoryStore, type LimitResult, type MessagePatch, type PatchResult,
  type ReapRequest, type ReapResult, type RetentionResult, type RoomPage, type RoomSnapshot, type StoreOptions,
  type WriteOptions,
} from "../store.js";
import { defineScripts, headArgs, hintsOf, ScriptCode, type Reply, type ScriptName } from "./scripts.js";
import { guardRedis, type GuardOptions } from "./redis-errors.js";
import { RedisFeed, feedTimings, type FeedOptions } from "./redis-feed.js";
import { SnapshotCache, snapshotBytes } from "../snapshot-cache.js";
import { RoomIndexes } from "./room-indexes.js";
import { waitForReplicas } from "./durability.js";
import { reapIdleRooms } from "./reaper.js";

export interface RedisStoreOptions extends StoreOptions, KeyOptions {
  logger: Logger;
  /** Write "[Message ID: X]" markers for legacy readers; default: in the unbraced layout only. */
  legacyMarkers?: boolean;
  /** How the change feed detects a dead subscriber connection (src/store/redis/redis-feed.ts). */
  feed?: FeedOptions;
}

/** The Redis store: every mutation is one Lua script (src/store/lua) over the room's keys. */
export class RedisStore implements HistoryStore {
  readonly kind = "redis";
  readonly feed: RedisFeed;
  readonly indexes: RoomIndexes;
  private readonly keys: KeySpace;
  readonly snapshots: SnapshotCache;
  /** The read in flight per room, and the one queued behind it (see read()). */
  private readonly reads = new Map<string, ReadFlight>();
  private readonly legacyMarkers: boolean;

  constructor(
    private readonly redis: Redis | Cluster,
    private readonly options: RedisStoreOptions,
  ) {
    this.keys = new KeySpace(options);
    this.snapshots = new SnapshotCache(options.readCacheBytes ?? DEFAULT_READ_CACHE_BYTES);
    this.legacyMarkers = options.legacyMarkers ?? !options.hashTag;
    defineScripts(redis);
    this.feed = new RedisFeed(redis, this.keys, options.logger, options.feed ?? feedTimings(redis));
    this.indexes = new RoomIndexes(redis, this.keys, options.logger, (call) => this.run(call));
  }

  async append(roomId: string, entries: Entry[], opts: AppendOptions = {}): Promise<AppendResult> {
    const k = this.roomKeys(roomId);
    const key = opts.idempotencyKey ?? "";
    const replay = JSON.stringify(entries.map((e) => [e.id ?? "", e.created_at ?? ""]));
    const stored = this.legacyMarkers ? entries.map(withMarker) : entries;
    const reply = await this.mutate("rhAppend", roomId, opts, [
      key, this.options.idempotencyTtlSeconds || DEFAULT_IDEMPOTENCY_TTL_SECONDS, opts.fingerprint ?? "", replay,
      this.maxRoomBytes, ...stored.map(encodeEntry),
    ], `${k.idem}:${key}`);
    if (reply[0] === ScriptCode.IDEMPOTENCY_MISMATCH) {
      throw invalid("idempotency_key", `was already used in room ${roomId} for other messages`);
    }
    if (reply[0] === ScriptCode.TOO_LARGE) {
      const [index, size, budget] = [1, 2, 3].map((i) => Number(reply[i]));
      throw messageOverBudget(index, size, budget);
    }
    const [version, firstSeq, trimmed, replayed] = [1, 5, 6, 7].map((i) => Number(reply[i]));
    const ids = replayed ? (JSON.parse(String(reply[8])) as [string, string][]) : undefined;
    const result = entries.map((e, i) => {
      const out: Entry = { ...e, seq: firstSeq + i };
      if (ids?.[i]?.[0]) out.id = ids[i][0];
      if (ids?.[i]?.[1]) out.created_at = ids[i][1];
      return out;
    });
    return { version, entries: result, trimmed, replayed: replayed === 1 };
  }

  /**
   * Reads of one room share a trip to Redis: a read that arrives while another is in flight waits for
   * it to end and then joins the ONE read that starts next (started after the caller's call, so it
   * sees every write the caller saw; usually a cache hit). A hundred mirrors fetching a large room
   * after the same change cost one transfer and one decode, not a hundred.
   */
  read(roomId: string): Promise<RoomSnapshot> {
    const flight = this.reads.get(roomId);
    if (flight) return (flight.next ??= flight.done.then(() => this.startRead(roomId)));
    return this.startRead(roomId);
  }

  private startRead(roomId: string): Promise<RoomSnapshot> {
    const read = this.readOnce(roomId);
    const flight: ReadFlight = { done: read.then(() => undefined, () => undefined) };
    this.reads.set(roomId, flight);
    void flight.done.then(() => {
      if (this.reads.get(roomId) === flight) this.reads.delete(roomId);
    });
    return read;
  }

  private async readOnce(roomId: string): Promise<RoomSnapshot> {
    const k = this.roomKeys(roomId);
    const cached = this.snapshots.get(roomId);
    const tag = cached?.tag as ReadTag | undefined;
    const reply = await this.run(READ, () =>
      this.redis.rhReadRoom(k.list, k.version, k.meta, tag?.epoch ?? "", cached?.snapshot.version ?? 0, tag?.length ?? 0),
    );
    const [version, limit, rebackfill, updatedAt, epoch, length, hit, ttl, updMs, exists, ownMaxBytes] = reply;
    if (hit === 1 && tag) return cached!.snapshot;
    const raws = reply.slice(11) as string[];
    const own = ttl === "" ? undefined : Number(ttl);
    const ttlSeconds = own ?? this.options.ttlSeconds;
    const alive = exists === 1;
    const entries = this.decodeAll(roomId, raws);
    const snapshot: RoomSnapshot = {
      version: Number(version),
      limit: limit === "" ? this.options.defaultLimit : Number(limit),
      rebackfill: rebackfill === "1",
      updatedAt: updatedAt === "" ? undefined : String(updatedAt),
      entries,
      exists: alive,
      ttlSeconds,
      retentionIsDefault: own === undefined,
      expiresAt: alive && ttlSeconds > 0 && updMs !== "" ? new Date(Number(updMs) + ttlSeconds * 1000).toISOString() : undefined,
      bytes: raws.reduce((n, r) => n + Buffer.byteLength(r, "utf8"), 0),
      maxBytes: ownMaxBytes === "" ? this.maxRoomBytes : Math.min(Number(ownMaxBytes), this.maxRoomBytes),
    };
    if (epoch !== "") {
      const readTag: ReadTag = { epoch: String(epoch), length: Number(length) };
      this.snapshots.put(roomId, snapshot, snapshotBytes(snapshot.bytes, entries.length), readTag);
    }
    return snapshot;
  }

  async patchMessage(roomId: string, messageId: string, patch: MessagePatch, opts: WriteOptions = {}): Promise<PatchResult> {
    const [value, tag] = patchArgs(patch);
    const reply = await this.mutate("rhPatchMessage", roomId, opts, [
      patch.op, messageId, value, tag, this.maxRoomBytes, ...idForms(messageId),
    ]);
    if (reply[0] === ScriptCode.MESSAGE_NOT_FOUND) throw messageNotFound(roomId, messageId);
    if (reply[0] === ScriptCode.TOO_LARGE) throw patchOverBudget(patch.op, Number(reply[1]), Number(reply[2]));
    const entry = decodeEntry(String(reply[5]));
    if (!entry) throw new Error(`patched entry in room ${roomId} does not decode`);
    return { version: Number(reply[1]), entry };
  }

  async clear(roomId: string, opts: WriteOptions = {}): Promise<{ version: number }> {
    const reply = await this.mutate("rhClear", roomId, opts, []);
    return { version: Number(reply[1]) };
  }

  async setLimit(roomId: string, limit: number, maxBytes?: number, opts: WriteOptions = {}): Promise<LimitResult> {
    const own = maxBytes === undefined ? "" : clampMaxBytes(maxBytes, this.maxRoomBytes);
    const reply = await this.mutate("rhSetLimit", roomId, opts, [limit, own, this.maxRoomBytes]);
    const [version, stored, rebackfill, trimmed, budget] = [1, 5, 6, 7, 8].map((i) => Number(reply[i]));
    return { version, limit: stored, rebackfill: rebackfill === 1, trimmed, maxBytes: budget };
  }

  async discardRebackfill(roomId: string, opts: WriteOptions = {}): Promise<{ version: number }> {
    const reply = await this.mutate("rhDiscardRebackfill", roomId, opts, []);
    return { version: Number(reply[1]) };
  }

  async deleteRoom(roomId: string, opts: WriteOptions = {}): Promise<{ version: number; deleted: boolean }> {
    const reply = await this.mutate("rhDeleteRoom", roomId, opts, []);
    const deleted = Number(reply[2]) === 1;
    if (deleted) await this.indexes.unindex(roomId);
    else await this.unindexIfGone(roomId, this.keys.room(roomId));
    return { version: Number(reply[1]), deleted };
  }

  async setRetention(roomId: string, ttlSeconds: number | undefined, opts: WriteOptions = {}): Promise<RetentionResult> {
    const reply = await this.mutate("rhSetRetention", roomId, opts, [ttlSeconds ?? ""]);
    return { version: Number(reply[1]), ttlSeconds: Number(reply[5]), isDefault: Number(reply[6]) === 1 };
  }

  async reapIdle(request: ReapRequest): Promise<ReapResult> {
    return reapIdleRooms(request, this.indexes, async (roomId, maxIdleMs, dryRun) => {
      const k = this.roomKeys(roomId);
      return this.run(() => this.redis.rhReapRoom(...headArgs(this.head(roomId, k, {})), maxIdleMs, dryRun ? "1" : ""));
    });
  }

  /** One GET per room; auto-pipelining batches them, and on a cluster each goes to its own slot. */
  async versions(roomIds: readonly string[]): Promise<number[]> {
    return this.run(READ, () =>
      Promise.all(roomIds.map(async (id) => Number((await this.redis.get(this.keys.room(id).version)) ?? 0))),
    );
  }

  async listRooms(pageSize: number, after?: string): Promise<RoomPage> {
    return this.indexes.list(pageSize, after);
  }

  onAvailability(listener: (up: boolean) => void): void {
    this.redis.on("ready", () => listener(true));
    for (const event of ["close", "reconnecting", "end"]) this.redis.on(event, () => listener(false));
  }

  async close(): Promise<void> {
    await this.feed.close();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  /**
   * Runs a mutation script with the shared leading arguments, maps a version conflict, applies the
   * index hints of a committed write and waits for the durability asked for. `extraKey` is a fourth
   * key of the room's slot (append's idempotency record).
   */
  private async mutate(script: ScriptName, roomId: string, opts: WriteOptions, own: (string | number)[], extraKey?: string): Promise<Reply> {
    const k = this.roomKeys(roomId);
    const head = this.head(roomId, k, opts);
    if (extraKey !== undefined) head.keys = [...head.keys, extraKey];
    // An append with an idempotency key may run twice (the second replays the first); nothing else may.
    const safe = script === "rhAppend" && typeof own[0] === "string" && own[0] !== "";
    const reply = await this.run({ idempotent: safe }, () => this.redis[script](...headArgs(head), ...own));
    if (reply[0] !== ScriptCode.OK) await this.unindexIfGone(roomId, k);
    if (reply[0] === ScriptCode.VERSION_CONFLICT) {
      throw versionConflict(roomId, opts.expectedVersion ?? 0, Number(reply[1]));
    }
    if (reply[0] === ScriptCode.OK && reply.length >= 5 && script !== "rhDeleteRoom") await this.indexes.apply(roomId, hintsOf(reply));
    const durability = opts.durability ?? this.options.durability;
    if (reply[0] === ScriptCode.OK && durability) await this.run(() => waitForReplicas(this.redis, k.list, durability));
    return reply;
  }

  private get maxRoomBytes(): number {
    return this.options.maxRoomBytes ?? DEFAULT_MAX_ROOM_BYTES;
  }

  /**
   * A script expires an idle room before anything else (write-time expiry), also when it then fails
   * (a version conflict, an unknown message id) or finds nothing to delete: such a room must leave the
   * indexes at once, as the reaper would take it out. Best effort, as every index update.
   */
  private async unindexIfGone(roomId: string, k: ReturnType<KeySpace["room"]>): Promise<void> {
    const gone = await this.redis.hexists(k.meta, "gone").catch(() => 0);
    if (gone) await this.indexes.unindex(roomId);
  }

  private head(roomId: string, k: ReturnType<KeySpace["room"]>, opts: WriteOptions) {
    return {
      keys: [k.list, k.version, k.meta],
      channel: k.channel,
      roomId,
      expectedVersion: opts.expectedVersion,
      now: nowIso(),
      defaultTtlSeconds: this.options.ttlSeconds,
      tombstoneTtlSeconds: this.options.tombstoneTtlSeconds ?? DEFAULT_TOMBSTONE_TTL_SECONDS,
      maxEventBytes: this.options.maxEventBytes,
      defaultLimit: this.options.defaultLimit,
    };
  }

  /** The room's keys, once its id is known not to collide with another room's keys in this layout. */
  private roomKeys(roomId: string) {
    const problem = this.keys.roomIdProblem(roomId);
    if (problem) throw invalid("room_id", problem);
    return this.keys.room(roomId);
  }

  /**
   * Every Redis call goes through here: a lost connection becomes UNAVAILABLE. `guard.idempotent`
   * lets a call that may have run be tried once more (reads, keyed appends).
   */
  private run<T>(call: () => Promise<T>): Promise<T>;
  private run<T>(guard: GuardOptions, call: () => Promise<T>): Promise<T>;
  private run<T>(a: GuardOptions | (() => Promise<T>), b?: () => Promise<T>): Promise<T> {
    return typeof a === "function" ? guardRedis(a, this.redis) : guardRedis(b!, this.redis, a);
  }

  private decodeAll(roomId: string, raws: string[]): Entry[] {
    const entries: Entry[] = [];
    let corrupt = 0;
    for (const raw of raws) {
      const entry = decodeEntry(raw);
      if (entry) entries.push(entry);
      else corrupt++;
    }
    if (corrupt) this.options.logger.warn({ roomId, corrupt }, "skipped corrupted history entries");
    return entries;
  }
}

/**
 * What read-room-3.lua compares to skip sending a cached window again: with the version, they prove
 * the entries unchanged (see the script's header).
 */
interface ReadTag {
  epoch: string;
  length: number;
}

interface ReadFlight {
  done: Promise<void>;
  next?: Promise<RoomSnapshot>;
}

/** The value and legacy content tag a patch sends to patch-message-3.lua. */
/** Reads may be tried again after a lost connection: running one twice changes nothing. */
const READ: GuardOptions = { idempotent: true };

function patchArgs(patch: MessagePatch): [string, string] {
  switch (patch.op) {
    case "update":
      return [patch.content, ""];
    case "delete":
      return [patch.deletedAt, deletedTag(patch.deletedAt)];
    case "reactions":
      if (patch.reactions.length === 0) return ["", ""];
      return [JSON.stringify(patch.reactions), reactionsTag(patch.reactions)];
  }
}

