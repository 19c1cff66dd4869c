import {
  DEFAULT_IDEMPOTENCY_TTL_SECONDS, DEFAULT_MAX_ROOM_BYTES, DEFAULT_READ_CACHE_BYTES, DEFAULT_TOMBSTONE_TTL_SECONDS,
} from "../../defaults.js";
import type { Redis, Cluster } from "ioredis";
import type { Logger } from "pino";
import { decodeEntry, encodeEntry, type Entry } from "../../domain/entry.js";
import {
  invalid, messageNotFound, messageOverBudget, patchOverBudget, roomNotFound, versionConflict,
} from "../../domain/errors.js";
import { idForms, withMarker } from "../../domain/legacy-text.js";
import { nowIso } from "../../domain/timestamps.js";
import { deletedTag, reactionsTag } from "../../domain/tags.js";
import { KeySpace, type KeyOptions, type RoomKeys } from "../keys.js";
import {
  clampMaxBytes,
  type AppendOptions, type AppendResult, type HistoryStore, type LimitResult, type MessagePatch, type PatchResult,
  type ReapRequest, type ReapResult, type RetentionResult, type RoomPage, type RoomSnapshot, type StoreOptions,
  type WriteOptions, type RenderSettings, type UsageReport, type Calibration,
} from "../store.js";
import { CALIBRATION_DECAY, CALIBRATION_MAX, CALIBRATION_MIN, calibrationOf } from "../calibration.js";
import { renderDefaultsArgs, renderDefaultsOf, sameCalibration } from "./render-defaults.js";
import { agentOptionsArgs, agentOptionsOf } from "./agent-options.js";
import type { AgentOptions } from "../agent-types.js";
import { defineScripts, ScriptCode } from "./scripts.js";
import * as scripts from "./script-calls.js";
import { isConflict, type Conflict, type IndexHints, type MutationHead } from "./script-calls.js";
import { guardRedis, type GuardOptions } from "./redis-errors.js";
import { RedisFeed, feedTimings, type FeedOptions } from "./redis-feed.js";
import { SnapshotCache, snapshotBytes } from "../snapshot-cache.js";
import { RoomIndexes, type MetadataMove } from "./room-indexes.js";
import { IndexRepair } from "./index-repair.js";
import { RoomListing } from "./room-listing.js";
import { defineMetadataScripts, readMetadata, updateRoomMetadata } from "./metadata-script-calls.js";
import { sendersOf } from "../senders.js";
import type { MetadataResult, MetadataUpdate, RoomQuery } from "../store.js";
import { waitForReplicas } from "./durability.js";
import { reapIdleRooms } from "./reaper.js";
import * as cursorCalls from "./cursor-script-calls.js";
import type { RunCursor, RunCursorUpdate } from "../agent-types.js";
import { cursorConflict, cursorTooLarge, MAX_CURSOR_VALUES_BYTES, parseCursor } from "../run-cursor.js";
import { rewriteHead as rewriteHeadScript, readArchive as readArchiveScript } from "./rewrite-script-calls.js";
import { archiveBounds, archiveDefaults, archivePage, rewriteArgs } from "../rewrite.js";
import type { ArchivePage, RewritePlan } from "../agent-types.js";
import type { TurnObserver } from "../metadata-types.js";
import type { ImportMode, ImportOutcome, RoomData } from "../transfer-types.js";
import { exportRoom as exportRoomWhole, importRoom as importRoomWhole, type RedisTransferAccess } from "./transfer.js";
import type { ArchiveQuery } from "../store.js";
import { hooks } from "../../observability/hooks.js";

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
  private readonly listing: RoomListing;
  private readonly keys: KeySpace;
  readonly snapshots: SnapshotCache;
  /** The read in flight per room, and the one queued behind it (see read()). */
  private readonly reads = new Map<string, ReadFlight>();
  private readonly legacyMarkers: boolean;
  /** Told of each namespaced room's new turns (setTurnObserver); undefined until the memory bank sets one. */
  private turnObserver?: TurnObserver;

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
    this.indexes.repair = new IndexRepair(redis, this.keys, options.logger, (roomId, hints) => this.indexes.applyOrThrow(roomId, hints));
    this.listing = new RoomListing(redis, this.keys, (call) => this.run(READ, call));
    defineMetadataScripts(redis);
  }

  async append(roomId: string, entries: Entry[], opts: AppendOptions = {}): Promise<AppendResult> {
    const k = this.roomKeys(roomId);
    const key = opts.idempotencyKey ?? "";
    const replay = JSON.stringify(entries.map((e) => [e.id ?? "", e.created_at ?? ""]));
    const stored = this.legacyMarkers ? entries.map(withMarker) : entries;
    // An append with an idempotency key may run twice (the second replays the first); nothing else may.
    const reply = await this.mutate(roomId, opts, (head) => scripts.append(this.redis, head, {
      idempotencyRecord: `${k.idem}:${key}`, idempotencyKey: key,
      idempotencyTtlSeconds: this.options.idempotencyTtlSeconds || DEFAULT_IDEMPOTENCY_TTL_SECONDS,
      fingerprint: opts.fingerprint ?? "", replay, maxRoomBytes: this.maxRoomBytes, archive: this.trimArchive(),
      senders: sendersOf(entries), entries: stored.map(encodeEntry),
    }), key !== "");
    if (reply.code === ScriptCode.IDEMPOTENCY_MISMATCH) {
      throw invalid("idempotency_key", `was already used in room ${roomId} for other messages`);
    }
    if (reply.code === ScriptCode.TOO_LARGE) throw messageOverBudget(reply.index, reply.size, reply.budget);
    const { version, firstSeq, trimmed } = reply;
    if (!reply.replayed && reply.namespace) this.tellTurn(roomId, reply.namespace, version);
    const ids = reply.replayed ? (JSON.parse(reply.replay) as [string, string][]) : undefined;
    const result = entries.map((e, i) => {
      const out: Entry = { ...e, seq: firstSeq + i };
      if (ids?.[i]?.[0]) out.id = ids[i][0];
      if (ids?.[i]?.[1]) out.created_at = ids[i][1];
      return out;
    });
    return { version, entries: result, trimmed, replayed: reply.replayed };
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
    const reply = await this.run(READ, () => scripts.readRoom(this.redis, {
      keys: k, cachedEpoch: tag?.epoch ?? "", cachedVersion: cached?.snapshot.version ?? 0, cachedLength: tag?.length ?? 0,
    }));
    hooks.readCache(reply.hit && tag !== undefined);
    if (reply.hit && tag) return this.withCalibration(roomId, cached!.snapshot, tag, reply);
    const raws = reply.entries;
    const own = reply.ttl === "" ? undefined : Number(reply.ttl);
    const ttlSeconds = own ?? this.options.ttlSeconds;
    const alive = reply.exists;
    const entries = this.decodeAll(roomId, raws);
    const snapshot: RoomSnapshot = {
      version: reply.version,
      limit: reply.limit === "" ? this.options.defaultLimit : Number(reply.limit),
      rebackfill: reply.rebackfill === "1",
      updatedAt: reply.updatedAt === "" ? undefined : reply.updatedAt,
      entries,
      exists: alive,
      ttlSeconds,
      retentionIsDefault: own === undefined,
      expiresAt: alive && ttlSeconds > 0 && reply.updatedMs !== ""
        ? new Date(Number(reply.updatedMs) + ttlSeconds * 1000).toISOString() : undefined,
      bytes: raws.reduce((n, r) => n + Buffer.byteLength(r, "utf8"), 0),
      maxBytes: reply.maxBytes === "" ? this.maxRoomBytes : Math.min(Number(reply.maxBytes), this.maxRoomBytes),
      renderDefaults: renderDefaultsOf(reply, roomId, this.options.logger),
      agentOptions: agentOptionsOf(reply),
      archiveCount: reply.archiveCount,
      ...snapshotMetadata(reply.metadataJson),
    };
    if (reply.epoch !== "") {
      const readTag: ReadTag = { epoch: reply.epoch, length: reply.length };
      this.snapshots.put(roomId, snapshot, snapshotBytes(snapshot.bytes, entries.length), readTag);
    }
    return snapshot;
  }

  /**
   * ReportUsage moves a room's calibration without a version bump, so a read that finds the cached
   * entries current may still bring a new calibration: the snapshot is then replaced (same entries),
   * which drops what was derived from the old one (a render's estimate depends on it). An archive
   * that expired (its own TTL, no version bump) changes the archive count the same way.
   */
  private withCalibration(roomId: string, cached: RoomSnapshot, tag: ReadTag, reply: scripts.ReadRoomReply): RoomSnapshot {
    const renderDefaults = renderDefaultsOf(reply, roomId, this.options.logger);
    const archiveCount = reply.archiveCount;
    if (sameCalibration(cached.renderDefaults, renderDefaults) && cached.archiveCount === archiveCount) return cached;
    const snapshot: RoomSnapshot = { ...cached, renderDefaults, archiveCount };
    this.snapshots.put(roomId, snapshot, snapshotBytes(snapshot.bytes, snapshot.entries.length), tag);
    return snapshot;
  }

  async patchMessage(roomId: string, messageId: string, patch: MessagePatch, opts: WriteOptions = {}): Promise<PatchResult> {
    const [value, legacyTag] = patchArgs(patch);
    const tokens = patch.op === "update" ? (patch.tokens ?? "") : "";
    const reply = await this.mutate(roomId, opts, (head) => scripts.patchMessage(this.redis, head, {
      op: patch.op, messageId, value, legacyTag, maxRoomBytes: this.maxRoomBytes, tokens, idForms: idForms(messageId),
    }));
    if (reply.code === ScriptCode.MESSAGE_NOT_FOUND) throw messageNotFound(roomId, messageId);
    if (reply.code === ScriptCode.TOO_LARGE) throw patchOverBudget(patch.op, reply.size, reply.budget);
    const entry = decodeEntry(reply.entry);
    if (!entry) throw new Error(`patched entry in room ${roomId} does not decode`);
    return { version: reply.version, entry };
  }

  async clear(roomId: string, opts: WriteOptions = {}): Promise<{ version: number }> {
    const reply = await this.mutate(roomId, opts, (head) => scripts.clear(this.redis, head));
    return { version: reply.version };
  }

  async setLimit(roomId: string, limit: number, maxBytes?: number, opts: WriteOptions = {}): Promise<LimitResult> {
    const own = maxBytes === undefined ? "" : clampMaxBytes(maxBytes, this.maxRoomBytes);
    const reply = await this.mutate(roomId, opts, (head) => scripts.setLimit(this.redis, head, {
      limit, maxBytes: own, defaultMaxBytes: this.maxRoomBytes, archive: this.trimArchive(),
    }));
    return { version: reply.version, limit: reply.limit, rebackfill: reply.rebackfill, trimmed: reply.trimmed, maxBytes: reply.maxBytes };
  }

  async discardRebackfill(roomId: string, opts: WriteOptions = {}): Promise<{ version: number }> {
    const reply = await this.mutate(roomId, opts, (head) => scripts.discardRebackfill(this.redis, head));
    return { version: reply.version };
  }

  async updateMetadata(roomId: string, update: MetadataUpdate, opts: WriteOptions = {}): Promise<MetadataResult> {
    const reply = await this.mutate(roomId, opts, (head) => updateRoomMetadata(this.redis, head, update), false,
      (r) => ({ namespaceBefore: r.namespaceBefore, namespaceAfter: r.namespaceAfter, labelsBefore: r.labelsBefore, labelsAfter: r.labelsAfter }));
    const { version, metadata, changed } = reply;
    // A room with turns that moved into a namespace joins its memory bank's activity like a new turn.
    if (changed && reply.namespaceAfter && reply.namespaceAfter !== reply.namespaceBefore && reply.windowLength > 0) {
      this.tellTurn(roomId, reply.namespaceAfter, version);
    }
    return { version, metadata, changed };
  }

  async deleteRoom(roomId: string, opts: WriteOptions = {}): Promise<{ version: number; deleted: boolean }> {
    const { version, deleted } = await this.mutate(roomId, opts, (head) => scripts.deleteRoom(this.redis, head));
    if (deleted) await this.indexes.unindex(roomId);
    else await this.unindexIfGone(roomId, this.keys.room(roomId));
    return { version, deleted };
  }

  async setRetention(roomId: string, ttlSeconds: number | undefined, opts: WriteOptions = {}): Promise<RetentionResult> {
    const reply = await this.mutate(roomId, opts, (head) => scripts.setRetention(this.redis, head, { ttlSeconds: ttlSeconds ?? "" }));
    return { version: reply.version, ttlSeconds: reply.ttlSeconds, isDefault: reply.isDefault };
  }

  async setRenderDefaults(roomId: string, settings: RenderSettings, opts: WriteOptions = {}): Promise<{ version: number }> {
    const reply = await this.mutate(roomId, opts, (head) => scripts.setRenderDefaults(this.redis, head, renderDefaultsArgs(settings)));
    return { version: reply.version };
  }

  async setAgentOptions(roomId: string, options: AgentOptions, opts: WriteOptions = {}): Promise<{ version: number; needsCompaction: boolean }> {
    const reply = await this.mutate(roomId, opts, (head) => scripts.setAgentOptions(this.redis, head, agentOptionsArgs(options)));
    return { version: reply.version, needsCompaction: reply.needsCompaction };
  }

  /** Not a mutation of the history: no version, no durability wait, and never tried twice (it adds). */
  async reportUsage(roomId: string, report?: UsageReport): Promise<Calibration> {
    const k = this.roomKeys(roomId);
    const reply = await this.run(() => scripts.reportUsage(this.redis, this.head(roomId, k, {}), {
      report, decay: CALIBRATION_DECAY, lowest: CALIBRATION_MIN, highest: CALIBRATION_MAX,
    }));
    if (reply.code === ScriptCode.ROOM_NOT_FOUND) {
      await this.unindexIfGone(roomId, k);
      throw roomNotFound(roomId);
    }
    return { calibration: calibrationOf(Number(reply.sumInput || 0), Number(reply.sumEstimate || 0)), samples: reply.samples };
  }

  async getRunCursor(roomId: string, runId: string): Promise<RunCursor> {
    const k = this.roomKeys(roomId);
    const head = this.head(roomId, k, {});
    return parseCursor(await this.run(READ, () => cursorCalls.getRunCursor(this.redis, head, runId)));
  }

  /** Not a mutation of the history: no version, no durability wait, and never tried twice (its CAS would fail). */
  async updateRunCursor(roomId: string, runId: string, update: RunCursorUpdate): Promise<RunCursor> {
    const k = this.roomKeys(roomId);
    const head = this.head(roomId, k, {});
    const reply = await this.run(() => cursorCalls.updateRunCursor(this.redis, head, {
      runId, update, maxValuesBytes: MAX_CURSOR_VALUES_BYTES,
    }));
    switch (reply.code) {
      case ScriptCode.OK:
        return parseCursor(reply.cursor);
      case ScriptCode.VERSION_CONFLICT:
        throw cursorConflict(roomId, runId, update.expectedNextSeq ?? 0, reply.currentNextSeq);
      case ScriptCode.TOO_LARGE:
        throw cursorTooLarge(reply.bytes);
      case ScriptCode.ROOM_NOT_FOUND:
        await this.unindexIfGone(roomId, k);
        throw roomNotFound(roomId);
    }
  }

  async reapIdle(request: ReapRequest): Promise<ReapResult> {
    return reapIdleRooms(request, this.indexes, async (roomId, maxIdleMs, dryRun) => {
      const k = this.roomKeys(roomId);
      return this.run(() => scripts.reapRoom(this.redis, this.head(roomId, k, {}), { maxIdleMs, dryRun }));
    });
  }

  async rewriteHead(roomId: string, plan: RewritePlan, opts: WriteOptions = {}): Promise<{ version: number }> {
    const head = plan.head.map((e) => encodeEntry(this.legacyMarkers ? withMarker(e) : e));
    const reply = await this.mutate(roomId, opts, (h) => rewriteHeadScript(this.redis, h, {
      ...archiveDefaults(this.options), ...rewriteArgs(plan), head,
    }));
    return { version: reply.version };
  }

  async readArchive(roomId: string, query: ArchiveQuery): Promise<ArchivePage> {
    const k = this.roomKeys(roomId);
    const { low, high } = archiveBounds(query);
    const reply = await this.run(READ, () => readArchiveScript(this.redis, {
      archiveKey: k.archive, low, high, pageSize: Math.max(1, query.limit),
    }));
    return archivePage(reply.rows.map((r) => ({ seq: r.seq, entry: decodeEntry(r.raw) })), reply.more);
  }

  /** One GET per room; auto-pipelining batches them, and on a cluster each goes to its own slot. */
  async versions(roomIds: readonly string[]): Promise<number[]> {
    return this.run(READ, () =>
      Promise.all(roomIds.map(async (id) => Number((await this.redis.get(this.keys.room(id).version)) ?? 0))),
    );
  }

  async listRooms(pageSize: number, after?: string, query: RoomQuery = {}): Promise<RoomPage> {
    return this.listing.list(pageSize, after, query);
  }

  onAvailability(listener: (up: boolean) => void): void {
    this.redis.on("ready", () => listener(true));
    for (const event of ["close", "reconnecting", "end"]) this.redis.on(event, () => listener(false));
  }

  async exportRoom(roomId: string): Promise<RoomData | undefined> {
    return exportRoomWhole(this.transferAccess(), roomId);
  }

  async importRoom(data: RoomData, mode: ImportMode): Promise<ImportOutcome> {
    return importRoomWhole(this.transferAccess(), data, mode);
  }

  /** What src/store/redis/transfer.ts needs of this store. */
  private transferAccess(): RedisTransferAccess {
    return {
      redis: this.redis, roomKeys: (id) => this.roomKeys(id), read: (call) => this.run(READ, call),
      mutate: (id, opts, script, moved) => this.mutate(id, opts, script, false, moved),
      tellTurn: (id, ns, version) => this.tellTurn(id, ns, version), legacyMarkers: this.legacyMarkers,
      maxRoomBytes: this.maxRoomBytes, archive: this.trimArchive(), logger: this.options.logger,
    };
  }

  setTurnObserver(observer: TurnObserver): void {
    this.turnObserver = observer;
  }

  /** Tells the turn observer; its failure never fails the write that was already committed. */
  private tellTurn(roomId: string, namespace: string, version: number): void {
    try {
      this.turnObserver?.({ roomId, namespace, version, atMs: Date.now() });
    } catch (err) {
      this.options.logger.warn({ roomId, err: (err as Error).message }, "turn observer failed");
    }
  }

  async close(): Promise<void> {
    this.indexes.repair?.close();
    await this.feed.close();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  /**
   * Runs a mutation script with the shared leading arguments (`head`), maps a version conflict,
   * applies the index hints of a committed write and waits for the durability asked for. Only a
   * mutation that is `idempotent` (an append with an idempotency key) is tried again after a lost
   * connection.
   */
  private async mutate<R extends { code: ScriptCode; hints?: IndexHints }>(
    roomId: string, opts: WriteOptions, script: (head: MutationHead) => Promise<R | Conflict>, idempotent = false,
    moved?: (reply: R) => MetadataMove | undefined,
  ): Promise<R> {
    const k = this.roomKeys(roomId);
    const head = this.head(roomId, k, opts);
    const reply = await this.run({ idempotent }, () => script(head));
    if (reply.code !== ScriptCode.OK) await this.unindexIfGone(roomId, k);
    if (isConflict(reply)) throw versionConflict(roomId, opts.expectedVersion ?? 0, reply.currentVersion);
    if (reply.code === ScriptCode.OK && reply.hints) await this.indexes.apply(roomId, reply.hints, moved?.(reply));
    const durability = opts.durability ?? this.options.durability;
    if (reply.code === ScriptCode.OK && durability) await this.run(() => waitForReplicas(this.redis, k.list, durability));
    return reply;
  }

  /** Where a trim archives what it drops, for a room with archive_trimmed. */
  private trimArchive(): scripts.TrimArchive {
    const { archiveMaxBytes, archiveTtlSeconds } = archiveDefaults(this.options);
    return { maxBytes: archiveMaxBytes, ttlSeconds: archiveTtlSeconds };
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

  private head(roomId: string, k: RoomKeys, opts: WriteOptions): MutationHead {
    return {
      keys: k,
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
    if (corrupt) {
      hooks.corruptedSkipped(corrupt);
      this.options.logger.warn({ roomId, corrupt }, "skipped corrupted history entries");
    }
    return entries;
  }
}

/**
 * What read-room-5.lua compares to skip sending a cached window again: with the version, they prove
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

/** The value and legacy content tag a patch sends to patch-message-5.lua. */
/** Reads may be tried again after a lost connection: running one twice changes nothing. */
const READ: GuardOptions = { idempotent: true };

/** A snapshot's metadata fields from read-room-5.lua's metadata JSON (none on a cache hit: see read()). */
function snapshotMetadata(json: string): Pick<RoomSnapshot, "metadata" | "createdAt"> {
  const read = readMetadata(json);
  if (!read) return {};
  return read.createdAt === undefined ? { metadata: read.metadata } : { metadata: read.metadata, createdAt: read.createdAt };
}

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

