import { Redis, Cluster } from "ioredis";
import type { Logger } from "pino";
import { decodeEntry, encodeEntry, type Entry } from "../../domain/entry.js";
import { messageNotFound, versionConflict } from "../../domain/errors.js";
import { nowIso } from "../../domain/timestamps.js";
import { deletedTag, reactionsTag } from "../../domain/tags.js";
import { KeySpace, type KeyOptions } from "../keys.js";
import type {
  AppendResult, HistoryStore, LimitResult, MessagePatch, PatchResult, RoomPage, RoomSnapshot, StoreOptions,
} from "../store.js";
import { defineScripts, ScriptCode } from "./scripts.js";
import { guardRedis } from "./redis-errors.js";
import { RedisFeed } from "./redis-feed.js";
import { ReadCache } from "./read-cache.js";

export interface RedisStoreOptions extends StoreOptions, KeyOptions {
  logger: Logger;
  /** Bytes of recently read windows kept decoded (0 turns the cache off). */
  readCacheBytes: number;
}

/** The Redis store: every mutation is one Lua script (src/store/lua) over the room's three keys. */
export class RedisStore implements HistoryStore {
  readonly kind = "redis";
  readonly feed: RedisFeed;
  private readonly keys: KeySpace;
  private readonly cache: ReadCache;

  constructor(
    private readonly redis: Redis | Cluster,
    private readonly options: RedisStoreOptions,
  ) {
    this.keys = new KeySpace(options);
    this.cache = new ReadCache(options.readCacheBytes);
    defineScripts(redis);
    this.feed = new RedisFeed(redis, this.keys, options.logger);
  }

  async append(roomId: string, entries: Entry[], expectedVersion?: number): Promise<AppendResult> {
    const k = this.keys.room(roomId);
    const { ttlSeconds, defaultLimit, maxEventBytes } = this.options;
    const reply = await this.run(() =>
      this.redis.rhAppend(
        k.list, k.version, k.meta, k.channel, roomId, expectedVersion ?? "", defaultLimit, ttlSeconds,
        nowIso(), maxEventBytes, ...entries.map(encodeEntry),
      ),
    );
    if (reply[0] === ScriptCode.VERSION_CONFLICT) {
      throw versionConflict(roomId, expectedVersion ?? 0, Number(reply[1]));
    }
    const [, version, firstSeq, trimmed, newlyIndexed] = reply.map(Number);
    if (newlyIndexed) await this.index(roomId);
    const stored = entries.map((e, i) => ({ ...e, seq: firstSeq + i }));
    return { version, entries: stored, trimmed };
  }

  async read(roomId: string): Promise<RoomSnapshot> {
    const k = this.keys.room(roomId);
    const cached = this.cache.get(roomId);
    const reply = await this.run(() =>
      this.redis.rhReadRoom(k.list, k.version, k.meta, cached?.epoch ?? "", cached?.version ?? 0, cached?.length ?? 0),
    );
    const [version, limit, rebackfill, updatedAt, epoch, length, hit] = reply;
    if (hit === 1 && cached) return cached.snapshot;
    const raws = reply.slice(7) as string[];
    const snapshot: RoomSnapshot = {
      version: Number(version),
      limit: limit === "" ? this.options.defaultLimit : Number(limit),
      rebackfill: rebackfill === "1",
      updatedAt: updatedAt === "" ? undefined : String(updatedAt),
      entries: this.decodeAll(roomId, raws),
    };
    if (epoch !== "") {
      const bytes = raws.reduce((n, r) => n + r.length, 0);
      this.cache.set(roomId, { epoch: String(epoch), version: Number(version), length: Number(length), snapshot, bytes });
    }
    return snapshot;
  }

  async patchMessage(roomId: string, messageId: string, patch: MessagePatch): Promise<PatchResult> {
    const k = this.keys.room(roomId);
    const expected = patch.op === "update" ? (patch.expectedVersion ?? "") : "";
    const [value, tag] = patchArgs(patch);
    const reply = await this.run(() =>
      this.redis.rhPatchMessage(
        k.list, k.version, k.meta, k.channel, roomId, expected, this.options.ttlSeconds, nowIso(),
        this.options.maxEventBytes, patch.op, messageId, value, tag,
      ),
    );
    if (reply[0] === ScriptCode.VERSION_CONFLICT) throw versionConflict(roomId, Number(expected), Number(reply[1]));
    if (reply[0] === ScriptCode.MESSAGE_NOT_FOUND) throw messageNotFound(roomId, messageId);
    const entry = decodeEntry(String(reply[2]));
    if (!entry) throw new Error(`patched entry in room ${roomId} does not decode`);
    return { version: Number(reply[1]), entry };
  }

  async clear(roomId: string): Promise<{ version: number }> {
    const k = this.keys.room(roomId);
    const reply = await this.run(() =>
      this.redis.rhClear(k.list, k.version, k.meta, k.channel, roomId, this.options.ttlSeconds, nowIso()),
    );
    return { version: Number(reply[1]) };
  }

  async setLimit(roomId: string, limit: number): Promise<LimitResult> {
    const k = this.keys.room(roomId);
    const { defaultLimit, ttlSeconds } = this.options;
    const reply = await this.run(() =>
      this.redis.rhSetLimit(k.list, k.version, k.meta, k.channel, roomId, limit, defaultLimit, ttlSeconds, nowIso()),
    );
    const [, version, stored, rebackfill, trimmed] = reply.map(Number);
    await this.index(roomId);
    return { version, limit: stored, rebackfill: rebackfill === 1, trimmed };
  }

  async discardRebackfill(roomId: string): Promise<{ version: number }> {
    const k = this.keys.room(roomId);
    const reply = await this.run(() =>
      this.redis.rhDiscardRebackfill(k.list, k.version, k.meta, k.channel, roomId, this.options.ttlSeconds, nowIso()),
    );
    return { version: Number(reply[1]) };
  }

  /** One GET per room; auto-pipelining batches them, and on a cluster each goes to its own slot. */
  async versions(roomIds: readonly string[]): Promise<number[]> {
    return this.run(() =>
      Promise.all(roomIds.map(async (id) => Number((await this.redis.get(this.keys.room(id).version)) ?? 0))),
    );
  }

  async listRooms(pageSize: number, after?: string): Promise<RoomPage> {
    const min = after === undefined ? "-" : `(${after}`;
    const ids = await this.run(() =>
      this.redis.zrangebylex(this.keys.roomIndex(), min, "+", "LIMIT", 0, pageSize + 1),
    );
    const roomIds = ids.slice(0, pageSize);
    return { roomIds, next: ids.length > pageSize ? roomIds[roomIds.length - 1] : undefined };
  }

  onAvailability(listener: (up: boolean) => void): void {
    this.redis.on("ready", () => listener(true));
    for (const event of ["close", "reconnecting", "end"]) this.redis.on(event, () => listener(false));
  }

  async close(): Promise<void> {
    await this.feed.close();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  /** Every Redis call goes through here: a lost connection becomes UNAVAILABLE. */
  private run<T>(call: () => Promise<T>): Promise<T> {
    return guardRedis(call, this.redis);
  }

  /** The room index lives outside the room's slot, so it is kept by a separate, idempotent ZADD. */
  private async index(roomId: string): Promise<void> {
    await this.run(() => this.redis.zadd(this.keys.roomIndex(), "NX", 0, roomId));
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

/** The value and legacy content tag a patch sends to patch-message-3.lua. */
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
