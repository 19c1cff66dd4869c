import {
  DEFAULT_IDEMPOTENCY_TTL_SECONDS, DEFAULT_MAX_ROOM_BYTES, DEFAULT_READ_CACHE_BYTES, DEFAULT_TOMBSTONE_TTL_SECONDS,
} from "../../defaults.js";
import { decodeEntry, encodeEntry, entryBytes, entryId, trimCount, type Entry } from "../../domain/entry.js";
import {
  invalid, messageNotFound, messageOverBudget, patchOverBudget, roomNotFound, versionConflict,
} from "../../domain/errors.js";
import { nowIso } from "../../domain/timestamps.js";
import { deletedTag, reactionsTag } from "../../domain/tags.js";
import {
  clampMaxBytes,
  type AppendOptions, type AppendResult, type ChangeKindName, type HistoryStore, type LimitResult, type MessagePatch,
  type PatchResult, type ReapRequest, type ReapResult, type RetentionResult, type RoomPage, type RoomSnapshot,
  type StoreOptions, type WriteOptions, type RenderSettings, type UsageReport, type Calibration, type RenderDefaults,
} from "../store.js";
import { addUsageReport, calibrationOf, NO_USAGE, type UsageSums } from "../calibration.js";
import { SnapshotCache } from "../snapshot-cache.js";
import { MemoryFeed } from "./memory-feed.js";
import { applyLegacyTag, setText } from "./patch.js";
import { IdempotencyRecords } from "./idempotency.js";
import { MemoryArchive } from "./archive.js";
import { agentState, windowTokens } from "../agent-state.js";
import type { AgentOptions } from "../agent-types.js";
import type { ArchivePage, RewritePlan } from "../agent-types.js";
import type { TurnObserver } from "../metadata-types.js";
import type { ImportMode, ImportOutcome, RoomData } from "../transfer-types.js";
import { exportRoom as exportRoomWhole, importRoom as importRoomWhole, type MemoryTransferAccess } from "./transfer.js";
import type { ArchiveQuery, StoreChange } from "../store.js";
import { archiveDefaults, archivePage, isArchived, planApplies, rewriteArgs } from "../rewrite.js";
import type { RunCursor, RunCursorUpdate } from "../agent-types.js";
import { applyCursorUpdate, cursorOf, type StoredCursor } from "../run-cursor.js";
import type { MetadataResult, MetadataUpdate, RoomQuery } from "../store.js";
import { sendersOf } from "../senders.js";
import { applyUpdate, emptyMetadata, metadataData, noteSenders, type MemoryMetadata } from "./metadata.js";
import { listingOf, pageByActivity, pageById } from "./listing.js";
import { matchesQuery } from "../room-query.js";

export interface Room {
  entries: Entry[];
  /** sizes[i] is entries[i]'s stored size (entryBytes), as the Redis store counts `#raw`. */
  sizes: number[];
  version: number;
  seq: number;
  limit?: number;
  /** The room's own byte budget (SetRoomLimit); undefined follows the store's. */
  maxBytes?: number;
  rebackfill: boolean;
  updatedAt?: string;
  /** Last mutation, ms: what idle retention counts from. */
  updMs: number;
  /** The room's own retention in seconds; undefined follows the store's default. */
  ttl?: number;
  /** SetRoomRenderDefaults; undefined for none. Kept by a clear, dropped with the room. */
  render?: RenderSettings;
  /** ReportUsage's decayed sums; undefined before the first report. Kept by a clear, dropped with the room. */
  usage?: UsageSums;
  /** SetAgentOptions; undefined for none. Kept by a clear, dropped with the room. */
  agent?: AgentOptions;
  /** Run cursors by run id (UpdateRunCursor): kept by a clear, dropped with the room. */
  cursors?: Map<string, StoredCursor>;
  /** Pruned and compacted originals (rewriteHead); dropped with the room. */
  archive?: MemoryArchive;
  /** The last version that changed more than the window's tail (meta `hv`, commit() in common.lua). */
  headVersion?: number;
  /** UpdateRoomMetadata and participants from senders; kept by a clear, dropped with the room. */
  metadata?: MemoryMetadata;
  /** When the room was first written (ms; meta `crt`); dropped with the room. */
  createdMs?: number;
  /** Set on a tombstone: the room was deleted or expired; only version and seq remain. */
  gone?: "deleted" | "expired";
  /** When a tombstone is forgotten (ms); undefined keeps it. */
  forgetAt?: number;
  snapshot?: RoomSnapshot;
}

/**
 * The embedded store: the same semantics as the Redis store (versions, trims, expiry, tombstones,
 * idempotency, events), held in this process. The conformance suite (test/conformance) runs against both.
 */
export class MemoryStore implements HistoryStore {
  readonly kind = "memory";
  readonly feed = new MemoryFeed();
  /** Holds only what the service derives: the rooms themselves are this store's memory. */
  readonly snapshots: SnapshotCache;
  private readonly rooms = new Map<string, Room>();
  private readonly idempotency: IdempotencyRecords<AppendResult>;
  /** Told of each namespaced room's new turns (setTurnObserver); undefined until the memory bank sets one. */
  private turnObserver?: TurnObserver;

  constructor(private readonly options: StoreOptions) {
    this.snapshots = new SnapshotCache(options.readCacheBytes ?? DEFAULT_READ_CACHE_BYTES);
    this.idempotency = new IdempotencyRecords((options.idempotencyTtlSeconds || DEFAULT_IDEMPOTENCY_TTL_SECONDS) * 1000);
  }

  async append(roomId: string, entries: Entry[], opts: AppendOptions = {}): Promise<AppendResult> {
    const key = opts.idempotencyKey;
    const seen = key ? this.idempotency.get(roomId, key) : undefined;
    if (seen) {
      if (seen.fingerprint !== (opts.fingerprint ?? "")) {
        throw invalid("idempotency_key", `was already used in room ${roomId} for other messages`);
      }
      return { ...structuredClone(seen.result), replayed: true };
    }
    const room = this.begin(roomId, opts);
    const stored = entries.map((e, i) => ({ ...clone(e), seq: room.seq + i + 1 }));
    const sizes = stored.map(entryBytes);
    const budget = this.budget(room);
    const over = sizes.findIndex((size) => size > budget);
    if (over >= 0) throw messageOverBudget(over, sizes[over], budget);
    room.seq += stored.length;
    room.entries.push(...stored.map(clone));
    room.sizes.push(...sizes);
    const trimmed = this.trim(room);
    const senders = sendersOf(entries);
    if (senders.length) noteSenders((room.metadata ??= emptyMetadata()), senders);
    this.commit(roomId, room, "append", stored, trimmed);
    const result = { version: room.version, entries: stored, trimmed, replayed: false };
    if (room.metadata?.namespace) this.tellTurn(roomId, room.metadata.namespace, room.version);
    if (key) this.idempotency.set(roomId, key, opts.fingerprint ?? "", structuredClone(result));
    return result;
  }

  async read(roomId: string): Promise<RoomSnapshot> {
    const room = this.peek(roomId);
    const exists = this.exists(room);
    const ttlSeconds = room?.ttl ?? this.options.ttlSeconds;
    // The same object until the next mutation, as the Redis store's read cache hands out.
    const snapshot = room?.snapshot ?? {
      version: room?.version ?? 0,
      limit: room?.limit ?? this.options.defaultLimit,
      rebackfill: room?.rebackfill ?? false,
      updatedAt: room?.gone ? undefined : room?.updatedAt,
      entries: room?.entries.map(clone) ?? [],
      exists,
      ttlSeconds,
      retentionIsDefault: room?.ttl === undefined,
      expiresAt: exists && ttlSeconds > 0 ? new Date(room!.updMs + ttlSeconds * 1000).toISOString() : undefined,
      bytes: room?.sizes.reduce((n, size) => n + size, 0) ?? 0,
      maxBytes: room ? this.budget(room) : this.serverMaxBytes,
      renderDefaults: renderDefaultsOf(room),
      agentOptions: room?.agent && { ...room.agent, outputKeys: [...room.agent.outputKeys] },
      archiveCount: room?.archive?.count ?? 0,
      metadata: metadataData(room?.metadata),
      createdAt: room?.createdMs === undefined ? undefined : new Date(room.createdMs).toISOString(),
    };
    if (room) room.snapshot = snapshot;
    return snapshot;
  }

  async patchMessage(roomId: string, messageId: string, patch: MessagePatch, opts: WriteOptions = {}): Promise<PatchResult> {
    const room = this.begin(roomId, opts);
    const index = findLastIndex(room.entries, (e) => entryId(e) === messageId);
    if (index < 0) throw messageNotFound(roomId, messageId);
    const entry = clone(room.entries[index]);
    if (patch.op === "update") {
      setText(entry, patch.content, messageId);
      entry.edited_at = nowIso();
      if (patch.tokens === undefined) delete entry.tk;
      else entry.tk = patch.tokens;
    } else if (patch.op === "delete") {
      entry.deleted_at = patch.deletedAt;
      applyLegacyTag(entry, messageId, "deleted", deletedTag(patch.deletedAt));
    } else {
      if (patch.reactions.length) entry.reactions = patch.reactions.map((r) => ({ ...r }));
      else delete entry.reactions;
      applyLegacyTag(entry, messageId, "reactions", reactionsTag(patch.reactions));
    }
    // An edit never trims (see patch-message-5.lua): one that would overflow the budget is refused.
    const size = entryBytes(entry);
    const bytes = sum(room.sizes) + size - room.sizes[index];
    if (patch.op !== "delete" && size > room.sizes[index] && bytes > this.budget(room)) {
      throw patchOverBudget(patch.op, bytes, this.budget(room));
    }
    room.entries[index] = entry;
    room.sizes[index] = size;
    this.commit(roomId, room, patch.op, [clone(entry)], 0);
    return { version: room.version, entry: clone(entry) };
  }

  async clear(roomId: string, opts: WriteOptions = {}): Promise<{ version: number }> {
    const room = this.begin(roomId, opts);
    room.entries = [];
    room.sizes = [];
    this.commit(roomId, room, "clear", [], 0);
    return { version: room.version };
  }

  async setLimit(roomId: string, limit: number, maxBytes?: number, opts: WriteOptions = {}): Promise<LimitResult> {
    const room = this.begin(roomId, opts);
    if (limit > (room.limit ?? this.options.defaultLimit)) room.rebackfill = true;
    room.limit = limit;
    if (maxBytes !== undefined) room.maxBytes = clampMaxBytes(maxBytes, this.serverMaxBytes);
    const trimmed = this.trim(room);
    this.commit(roomId, room, "limit", [], trimmed);
    return { version: room.version, limit, rebackfill: room.rebackfill, trimmed, maxBytes: this.budget(room) };
  }

  async discardRebackfill(roomId: string, opts: WriteOptions = {}): Promise<{ version: number }> {
    const room = this.begin(roomId, opts);
    room.rebackfill = false;
    this.commit(roomId, room, "rebackfill", [], 0);
    return { version: room.version };
  }

  /** As update-room-metadata-5.lua: creates a missing room; a no-op on an existing room changes nothing. */
  async updateMetadata(roomId: string, update: MetadataUpdate, opts: WriteOptions = {}): Promise<MetadataResult> {
    const room = this.begin(roomId, opts);
    const existed = this.exists(room);
    const before = room.metadata?.namespace ?? "";
    const changed = applyUpdate((room.metadata ??= emptyMetadata()), update) || !existed;
    if (changed) this.commit(roomId, room, "metadata", [], 0, undefined, { previousNamespace: before });
    const after = room.metadata.namespace;
    if (changed && after && after !== before && room.entries.length > 0) this.tellTurn(roomId, after, room.version);
    return { version: room.version, metadata: metadataData(room.metadata), changed };
  }

  async deleteRoom(roomId: string, opts: WriteOptions = {}): Promise<{ version: number; deleted: boolean }> {
    this.expireIfDue(roomId);
    const room = this.peek(roomId);
    this.check(roomId, room?.version ?? 0, opts.expectedVersion);
    if (!room || !this.exists(room)) return { version: room?.version ?? 0, deleted: false };
    this.bury(roomId, room, "deleted");
    return { version: room.version, deleted: true };
  }

  async setRetention(roomId: string, ttlSeconds: number | undefined, opts: WriteOptions = {}): Promise<RetentionResult> {
    const room = this.begin(roomId, opts);
    room.ttl = ttlSeconds;
    this.commit(roomId, room, "retention", [], 0);
    return { version: room.version, ttlSeconds: room.ttl ?? this.options.ttlSeconds, isDefault: room.ttl === undefined };
  }

  async setRenderDefaults(roomId: string, settings: RenderSettings, opts: WriteOptions = {}): Promise<{ version: number }> {
    const room = this.begin(roomId, opts);
    const { template, context, encoding } = settings;
    room.render = { template, context: context === undefined ? undefined : structuredClone(context), encoding };
    this.commit(roomId, room, "render_defaults", [], 0);
    return { version: room.version };
  }

  /** As report-usage-5.lua: no version bump and no change; only the snapshot is made again. */
  async reportUsage(roomId: string, report?: UsageReport): Promise<Calibration> {
    this.expireIfDue(roomId);
    const room = this.peek(roomId);
    if (!room || !this.exists(room)) throw roomNotFound(roomId);
    if (report) {
      room.usage = addUsageReport(room.usage ?? NO_USAGE, report);
      room.snapshot = undefined;
    }
    const usage = room.usage ?? NO_USAGE;
    return { calibration: calibrationOf(usage.input, usage.estimate), samples: usage.samples };
  }

  async setAgentOptions(roomId: string, options: AgentOptions, opts: WriteOptions = {}): Promise<{ version: number; needsCompaction: boolean }> {
    const room = this.begin(roomId, opts);
    room.agent = { ...options, outputKeys: [...options.outputKeys] };
    this.commit(roomId, room, "agent_options", [], 0);
    return { version: room.version, needsCompaction: this.agentOf(room)?.needsCompaction ?? false };
  }

  /** As get-run-cursor-5.lua: a room past its retention reads as expired, before anything buries it. */
  async getRunCursor(roomId: string, runId: string): Promise<RunCursor> {
    const room = this.peek(roomId);
    if (!room || !this.exists(room) || this.reapable(room, 0, Date.now())) return cursorOf(undefined);
    return cursorOf(room.cursors?.get(runId));
  }

  /** As update-run-cursor-5.lua: no version bump and no change. */
  async updateRunCursor(roomId: string, runId: string, update: RunCursorUpdate): Promise<RunCursor> {
    this.expireIfDue(roomId);
    const room = this.peek(roomId);
    if (!room || !this.exists(room)) throw roomNotFound(roomId);
    const next = applyCursorUpdate(roomId, runId, room.cursors?.get(runId), update);
    (room.cursors ??= new Map()).set(runId, next);
    return cursorOf(next);
  }

  /** As rewrite-head-5.lua: applies only to the snapshot the plan was made from. */
  async rewriteHead(roomId: string, plan: RewritePlan, opts: WriteOptions = {}): Promise<{ version: number }> {
    const room = this.begin(roomId, opts);
    if (!planApplies(plan, room.version, room.entries, room.headVersion, opts.expectedVersion !== undefined)) {
      throw versionConflict(roomId, opts.expectedVersion ?? plan.baseVersion, room.version);
    }
    const args = rewriteArgs(plan);
    const originals = room.entries.slice(0, args.replace).filter((e) => isArchived(e, args));
    const head = plan.head.map(clone);
    room.entries.splice(0, args.replace, ...head);
    room.sizes.splice(0, args.replace, ...head.map(entryBytes));
    if (originals.length) {
      const { archiveMaxBytes, archiveTtlSeconds } = archiveDefaults(this.options);
      const rows = originals.map((e) => ({ seq: e.seq ?? 0, entry: encodeEntry(e) }));
      (room.archive ??= new MemoryArchive()).add(rows, archiveMaxBytes, archiveTtlSeconds);
    }
    const changed = args.changed.map((i) => clone(head[i]));
    const extra = plan.kind === "compact" ? { replacedThroughSeq: args.replacedThroughSeq } : undefined;
    this.commit(roomId, room, plan.kind, changed, 0, extra);
    return { version: room.version };
  }

  async readArchive(roomId: string, query: ArchiveQuery): Promise<ArchivePage> {
    const room = this.peek(roomId);
    if (!room?.archive || !this.exists(room)) return { entries: [] };
    const { rows, more } = room.archive.page(query);
    return archivePage(rows.map((r) => ({ seq: r.seq, entry: decodeEntry(r.entry) })), more);
  }

  async reapIdle(request: ReapRequest): Promise<ReapResult> {
    const now = Date.now();
    const due = [...this.rooms.keys()]
      .filter((id) => this.reapable(this.rooms.get(id)!, request.maxIdleSeconds, now))
      .sort((a, b) => this.rooms.get(a)!.updMs - this.rooms.get(b)!.updMs);
    const roomIds = due.slice(0, request.limit);
    if (!request.dryRun) for (const id of roomIds) this.bury(id, this.rooms.get(id)!, "expired");
    return { roomIds, more: due.length > request.limit };
  }

  async versions(roomIds: readonly string[]): Promise<number[]> {
    return roomIds.map((id) => this.peek(id)?.version ?? 0);
  }

  async listRooms(pageSize: number, after?: string, query: RoomQuery = {}): Promise<RoomPage> {
    const rooms = [...this.rooms.keys()]
      .filter((id) => id.startsWith(query.prefix ?? "") && this.exists(this.peek(id)))
      .map((id) => listingOf(id, this.rooms.get(id)!))
      .filter((r) => matchesQuery(query, r.namespace, r.labels));
    return query.order === "activity" ? pageByActivity(rooms, pageSize, after) : pageById(rooms, pageSize, after);
  }

  async exportRoom(roomId: string): Promise<RoomData | undefined> {
    return exportRoomWhole(this.transferAccess(), roomId);
  }

  async importRoom(data: RoomData, mode: ImportMode): Promise<ImportOutcome> {
    return importRoomWhole(this.transferAccess(), data, mode);
  }

  /** What src/store/memory/transfer.ts needs of this store. */
  private transferAccess(): MemoryTransferAccess {
    return {
      options: this.options, peek: (id) => this.peek(id), room: (id) => this.room(id), exists: (room) => this.exists(room),
      expireIfDue: (id) => this.expireIfDue(id), commit: (id, room, kind, moved) => this.commit(id, room, kind, [], 0, undefined, moved),
      tellTurn: (id, ns, version) => this.tellTurn(id, ns, version),
    };
  }

  setTurnObserver(observer: TurnObserver): void {
    this.turnObserver = observer;
  }

  /** Tells the turn observer; its failure never fails the write that was already committed. */
  private tellTurn(roomId: string, namespace: string, version: number): void {
    try {
      this.turnObserver?.({ roomId, namespace, version, atMs: Date.now() });
    } catch {
      // The observer's own failure is its business: the write is committed.
    }
  }

  async close(): Promise<void> {}

  /** What every mutation starts with: a due expiry, then the compare-and-set. */
  private begin(roomId: string, opts: WriteOptions): Room {
    this.expireIfDue(roomId);
    const room = this.room(roomId);
    this.check(roomId, room.version, opts.expectedVersion);
    return room;
  }

  /**
   * As room_exists() in includes/common.lua: not a tombstone, and written by someone. A mutation that
   * failed (a version conflict, an unknown message id) leaves a room at version 0 behind: not a room.
   */
  private exists(room: Room | undefined): boolean {
    return room !== undefined && !room.gone && (room.version > 0 || room.entries.length > 0);
  }

  private check(roomId: string, version: number, expected?: number): void {
    if (expected !== undefined && expected !== version) throw versionConflict(roomId, expected, version);
  }

  private reapable(room: Room, maxIdleSeconds: number, now: number): boolean {
    if (room.gone || room.updMs === 0) return false;
    if (maxIdleSeconds > 0) return room.ttl !== 0 && room.updMs + maxIdleSeconds * 1000 <= now;
    const ttl = room.ttl ?? this.options.ttlSeconds;
    return ttl > 0 && room.updMs + ttl * 1000 <= now;
  }

  private expireIfDue(roomId: string): void {
    const room = this.peek(roomId);
    if (room && this.reapable(room, 0, Date.now())) this.bury(roomId, room, "expired");
  }

  /** Keeps only version and seq (a tombstone), bumps the version and publishes `kind`. */
  private bury(roomId: string, room: Room, kind: "deleted" | "expired"): void {
    const tombstone = this.options.tombstoneTtlSeconds ?? DEFAULT_TOMBSTONE_TTL_SECONDS;
    Object.assign(room, {
      entries: [], sizes: [], limit: undefined, maxBytes: undefined, rebackfill: false, updatedAt: undefined, updMs: 0, ttl: undefined,
      render: undefined, usage: undefined, agent: undefined, cursors: undefined, archive: undefined, headVersion: undefined, gone: kind,
      metadata: undefined, createdMs: undefined,
      forgetAt: tombstone > 0 ? Date.now() + tombstone * 1000 : undefined,
    });
    this.publish(roomId, room, kind, [], 0);
  }

  private trim(room: Room): number {
    const roles = room.entries.map((e) => e.role);
    const drop = trimCount(roles, room.limit ?? this.options.defaultLimit, room.sizes, this.budget(room));
    const dropped = room.entries.splice(0, drop);
    room.sizes.splice(0, drop);
    // archive_trimmed: the trimmed turns go to the archive, as trim_front() hands them to archive_add().
    if (drop > 0 && room.agent?.archiveTrimmed) {
      const { archiveMaxBytes, archiveTtlSeconds } = archiveDefaults(this.options);
      const rows = dropped.map((e) => ({ seq: e.seq ?? 0, entry: encodeEntry(e) }));
      (room.archive ??= new MemoryArchive()).add(rows, archiveMaxBytes, archiveTtlSeconds);
    }
    return drop;
  }

  private get serverMaxBytes(): number {
    return this.options.maxRoomBytes ?? DEFAULT_MAX_ROOM_BYTES;
  }

  /** The room's byte budget: its own, never above the store's (as byte_budget() in trim.lua). */
  private budget(room: Room): number {
    return Math.min(room.maxBytes ?? this.serverMaxBytes, this.serverMaxBytes);
  }

  /**
   * Bumps the version and publishes, as commit() at the tail of every Lua mutation script does, and
   * announces a room that came into being or whose namespace moved (`moved`: what it was before).
   */
  private commit(
    roomId: string, room: Room, kind: ChangeKindName, entries: Entry[], trimmed: number, extra?: Partial<StoreChange>,
    moved?: { created?: boolean; previousNamespace: string },
  ): void {
    room.gone = undefined;
    room.forgetAt = undefined;
    room.updatedAt = nowIso();
    room.updMs = Date.now();
    const created = room.createdMs === undefined || moved?.created === true;
    room.createdMs ??= room.updMs;
    this.publish(roomId, room, kind, entries, trimmed, extra);
    const namespace = room.metadata?.namespace ?? "";
    const previousNamespace = moved?.previousNamespace ?? "";
    if (created || (moved && namespace !== previousNamespace)) {
      this.feed.announce({ roomId, version: room.version, namespace, previousNamespace: created && !moved ? "" : previousNamespace });
    }
    if (kind !== "append" || trimmed !== 0) room.headVersion = room.version;
    else room.headVersion ??= room.version;
  }

  private publish(
    roomId: string, room: Room, kind: ChangeKindName, entries: Entry[], trimmed: number, extra?: Partial<StoreChange>,
  ): void {
    room.version++;
    room.snapshot = undefined;
    const size = entries.reduce((n, e) => n + encodeEntry(e).length, 0);
    const omitted = size > this.options.maxEventBytes;
    this.feed.publish({
      roomId, version: room.version, previousVersion: room.version - 1, kind,
      entries: omitted ? [] : entries, omitted, trimmed, ...extra, agent: this.agentOf(room),
    });
  }

  /** A change's agent fields (agent_fields() in includes/common.lua): only for a room with a context budget. */
  private agentOf(room: Room): StoreChange["agent"] {
    if (!room.agent?.maxContextTokens) return undefined;
    const usage = room.usage ?? NO_USAGE;
    const tokenCount = windowTokens(room.entries);
    const { needsCompaction } = agentState(tokenCount, calibrationOf(usage.input, usage.estimate), room.agent);
    return { tokenCount, needsCompaction };
  }

  /** The room, unless it is a tombstone past its time (then forgotten, as Redis' key TTL would). */
  private peek(roomId: string): Room | undefined {
    const room = this.rooms.get(roomId);
    if (room?.forgetAt !== undefined && room.forgetAt <= Date.now()) {
      this.rooms.delete(roomId);
      return undefined;
    }
    return room;
  }

  private room(roomId: string): Room {
    let room = this.peek(roomId);
    if (!room) {
      room = { entries: [], sizes: [], version: 0, seq: 0, rebackfill: false, updMs: 0 };
      this.rooms.set(roomId, room);
    }
    return room;
  }
}

/** The snapshot's render defaults: the server's (empty) where the room set none. */
function renderDefaultsOf(room: Room | undefined): RenderDefaults {
  const usage = room?.usage ?? NO_USAGE;
  const render = room?.render;
  return {
    template: render?.template ?? "",
    context: render?.context === undefined ? undefined : structuredClone(render.context),
    encoding: render?.encoding ?? "",
    calibration: calibrationOf(usage.input, usage.estimate),
    samples: usage.samples,
  };
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function clone(entry: Entry): Entry {
  return structuredClone(entry);
}

function findLastIndex<T>(items: T[], test: (item: T) => boolean): number {
  for (let i = items.length - 1; i >= 0; i--) if (test(items[i])) return i;
  return -1;
}
