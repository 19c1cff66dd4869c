import type { Entry } from "../domain/entry.js";
import type { SnapshotCache } from "./snapshot-cache.js";
import type { RunCursor, RunCursorUpdate } from "./agent-types.js";
import type { AgentOptions, ArchivePage, RewritePlan } from "./agent-types.js";
import type { RoomMetadataData, TurnObserver } from "./metadata-types.js";
import type { ImportMode, ImportOutcome, RoomData } from "./transfer-types.js";

/**
 * The mutation kinds a change event names; the same words travel in the Redis event payload. (A
 * watch stream also sends RESYNC, which no store makes: see src/wire/change.ts.)
 */
export type ChangeKindName =
  | "append" | "update" | "delete" | "reactions" | "clear" | "limit" | "rebackfill"
  | "expired" | "deleted" | "retention" | "render_defaults" | "prune" | "compact"
  | "agent_options" | "metadata" | "imported";

/** One mutation of one room, as published by the store. */
export interface StoreChange {
  roomId: string;
  version: number;
  previousVersion: number;
  kind: ChangeKindName;
  /** The appended or changed entries; empty when omitted or for kinds that change none. */
  entries: Entry[];
  /** True when the entries were too large to carry. */
  omitted: boolean;
  trimmed: number;
  /** For "compact": the newest seq the compaction replaced (RoomChange.replaced_through_seq); else 0/absent. */
  replacedThroughSeq?: number;
  /**
   * For a room with a context budget (SetAgentOptions): its token total and whether it needs compaction
   * after the change (src/store/agent-state.ts); absent for other rooms.
   */
  agent?: { tokenCount: number; needsCompaction: boolean };
}

export interface AppendResult {
  version: number;
  entries: Entry[];
  trimmed: number;
  /** True when an earlier call with the same idempotency key wrote these entries; nothing was written now. */
  replayed: boolean;
}

/** How many replicas must hold a write before a mutation answers (Redis WAIT / WAITAOF). */
export interface Durability {
  replicas: number;
  timeoutMs: number;
  fsync: boolean;
}

/** What every mutation may ask for. */
export interface WriteOptions {
  /** Compare-and-set: the mutation applies only at this version (VERSION_CONFLICT otherwise). */
  expectedVersion?: number;
  /** Wait for replicas before answering; the store's default when unset. */
  durability?: Durability;
}

export interface AppendOptions extends WriteOptions {
  /** A retry with the same key (and fingerprint) replays the first result instead of writing again. */
  idempotencyKey?: string;
  /** A digest of the request's messages: the same key with another fingerprint is INVALID_ARGUMENT. */
  fingerprint?: string;
}

export interface RetentionResult {
  version: number;
  /** The idle retention in force, in seconds; 0 means never. */
  ttlSeconds: number;
  isDefault: boolean;
}

export interface ReapRequest {
  /** Non-zero: rooms idle at least this long (except rooms kept forever); zero: rooms past their retention. */
  maxIdleSeconds: number;
  dryRun: boolean;
  limit: number;
}

export interface ReapResult {
  roomIds: string[];
  /** True when `limit` stopped the reap before every candidate was visited. */
  more: boolean;
}

/**
 * A snapshot of a room: every field belongs to the same version. Snapshots are shared (a store may
 * hand out the same object for an unchanged room), so nobody may modify one.
 */
export interface RoomSnapshot {
  version: number;
  limit: number;
  rebackfill: boolean;
  updatedAt?: string;
  entries: Entry[];
  /** False for a room never written, deleted or expired (version is then the tombstone's, or 0). */
  exists: boolean;
  /** The idle retention in force, in seconds (0: never expires), and whether it is the server default. */
  ttlSeconds: number;
  retentionIsDefault: boolean;
  /** When the room expires if nothing changes it; undefined when it never does or does not exist. */
  expiresAt?: string;
  /** Bytes of the stored entries, and the room's byte budget. */
  bytes: number;
  maxBytes: number;
  /** How RenderMessages renders the room when a request does not say (SetRoomRenderDefaults, ReportUsage). */
  renderDefaults?: RenderDefaults;
  /** The room's agent options (SetAgentOptions); undefined when none were set. */
  agentOptions?: AgentOptions;
  /** How many entries the room's archive holds; undefined means none. */
  archiveCount?: number;
  /** The room's metadata (UpdateRoomMetadata, participants from senders); undefined means none. */
  metadata?: RoomMetadataData;
  /** When the room was first written (ISO); undefined when unknown. */
  createdAt?: string;
}

/** The tokenizer names a room may store (SetRoomRenderDefaults); "" is the server's default. */
export type RenderEncodingName = "" | "o200k_base" | "cl100k_base";

/** What SetRoomRenderDefaults stores: all three at once, each empty for the server's default. */
export interface RenderSettings {
  template: string;
  /** Undefined for none. */
  context?: Record<string, unknown>;
  encoding: RenderEncodingName;
}

/** One provider count reported for one render (ReportUsage). */
export interface UsageReport {
  inputTokens: number;
  /** The estimate the render answered with (already multiplied by the calibration then in force). */
  estimatedTokens: number;
}

/** A room's calibration after a report (or as it stands). */
export interface Calibration {
  calibration: number;
  samples: number;
}

/** A room's render defaults; absent fields (or an absent object) mean the server's defaults. */
export interface RenderDefaults {
  /** The template a request naming none renders; "" means the server's default template. */
  template: string;
  /** Stored variables merged under every request's room_context. */
  context?: Record<string, unknown>;
  /** The tokenizer a request naming none counts with; "" means o200k_base. */
  encoding: RenderEncodingName;
  /** The factor Anthropic estimates are multiplied by (ReportUsage); 1 without reports. */
  calibration: number;
  /** How many ReportUsage calls the calibration is built from. */
  samples: number;
}

export type MessagePatch =
  /** `tokens`: the edited entry's token count (src/prompt/tokens.ts, entryTokens), stored as its `tk`. */
  | { op: "update"; content: string; tokens?: number }
  | { op: "delete"; deletedAt: string }
  | { op: "reactions"; reactions: { emoji: string; count?: number }[] };

export interface PatchResult {
  version: number;
  entry: Entry;
}

export interface LimitResult {
  version: number;
  limit: number;
  rebackfill: boolean;
  trimmed: number;
  maxBytes: number;
}

export interface RoomPage {
  roomIds: string[];
  /**
   * Where the next page starts when more may follow (the last room id of the page in id order, an
   * activity cursor, src/store/room-query.ts, in activity order); undefined on the last page.
   */
  next?: string;
  /** The page's rooms with their listing fields, in the order of roomIds (listRooms fills it). */
  rooms?: RoomListingData[];
}

/** Which rooms listRooms returns, in which order; every field optional (all rooms, by id). */
export interface RoomQuery {
  /** Only the rooms of this namespace. */
  namespace?: string;
  /** Only the rooms carrying this label. */
  label?: string;
  /** "id" (byte order, the default) or "activity" (last mutation, newest first). */
  order?: "id" | "activity";
  /** Only the rooms whose id starts with this. */
  prefix?: string;
}

/** One room of a listing (ListRooms' RoomListing). */
export interface RoomListingData {
  roomId: string;
  title: string;
  namespace: string;
  labels: string[];
  /** The room's last mutation (ms) as the activity index has it; undefined when unknown. */
  lastActivityMs?: number;
}

/** The fields UpdateRoomMetadata replaces; an undefined field is kept. */
export interface MetadataUpdate {
  title?: string;
  namespace?: string;
  /** Replace the participants: ids kept keep their first and last seen. Unique ids, at most 256. */
  participants?: { id: string; displayName: string }[];
  /** Sorted, without duplicates. */
  labels?: string[];
  summary?: string;
}

export interface MetadataResult {
  version: number;
  metadata: RoomMetadataData;
  /** False when the update left everything as it was (no version bump, no change). */
  changed: boolean;
}

/** Receives the changes of subscribed rooms: the watch hub, one per process. */
export interface ChangeListener {
  change(change: StoreChange): void;
  /** The feed lost and regained its connection: changes may have been missed. */
  resubscribed(): void;
  /** A room came into being or changed namespace (see RoomAnnouncement); only while announcements are followed. */
  announced?(announcement: RoomAnnouncement): void;
  /**
   * Announcements may have been missed (the announcement subscription was lost and is back, or a
   * failover may have lost some): whoever follows rooms by prefix or namespace lists them again.
   */
  announcementsResumed?(): void;
}

/**
 * Published by every mutation that makes a room exist (its first write, or the first after it was
 * deleted, expired or its tombstone lapsed) or changes its namespace (UpdateRoomMetadata, ImportRooms):
 * a bounded broadcast, so a watch by prefix or namespace finds rooms created after it began. Ordinary
 * writes to an existing room publish none.
 */
export interface RoomAnnouncement {
  roomId: string;
  /** The room's version after the mutation. */
  version: number;
  /** The room's namespace after the mutation ("" for none). */
  namespace: string;
  /** Its namespace before ("" for none, or for a room that did not exist). */
  previousNamespace: string;
}

/** The store's change feed. One subscription per room per process, whatever the number of watchers. */
export interface ChangeFeed {
  setListener(listener: ChangeListener): void;
  /** Rooms whose changes this process is subscribed to now (metrics). */
  readonly subscriptions: number;
  /** Resolves once changes of the room are being received. */
  subscribe(roomId: string): Promise<void>;
  unsubscribe(roomId: string): Promise<void>;
  /**
   * Starts receiving room announcements (counted: each call needs its own `unfollowAnnouncements`);
   * resolves once they are being received, so a listing after it misses no room created later.
   */
  followAnnouncements(): Promise<void>;
  unfollowAnnouncements(): Promise<void>;
  /**
   * Resolves with an instant (ms, this process's clock) such that every change published before it to
   * a room subscribed when the call began has been handed to the listener (Redis: a PING answered on
   * each subscriber connection, as pushes and replies keep their order). Concurrent calls may share one round.
   */
  barrier(): Promise<number>;
}

/**
 * A room-history store. Every mutation is atomic, increments the room's version by exactly one and
 * publishes exactly one change. Throws DomainError for expected failures.
 */
export interface HistoryStore {
  readonly kind: "redis" | "memory";
  readonly feed: ChangeFeed;
  /** Recently read snapshots and what the service derives from them, under one byte budget. */
  readonly snapshots: SnapshotCache;
  append(roomId: string, entries: Entry[], opts?: AppendOptions): Promise<AppendResult>;
  read(roomId: string): Promise<RoomSnapshot>;
  /** Patches the newest entry whose id (or legacy marker) is messageId. */
  patchMessage(roomId: string, messageId: string, patch: MessagePatch, opts?: WriteOptions): Promise<PatchResult>;
  clear(roomId: string, opts?: WriteOptions): Promise<{ version: number }>;
  /** `maxBytes` undefined keeps the room's byte budget. */
  setLimit(roomId: string, limit: number, maxBytes?: number, opts?: WriteOptions): Promise<LimitResult>;
  discardRebackfill(roomId: string, opts?: WriteOptions): Promise<{ version: number }>;
  /** Drops history and settings, keeping a tombstone (version, seq); `deleted` false when nothing existed. */
  deleteRoom(roomId: string, opts?: WriteOptions): Promise<{ version: number; deleted: boolean }>;
  /** `ttlSeconds` undefined returns the room to the server default; 0 keeps it until deleted. */
  setRetention(roomId: string, ttlSeconds: number | undefined, opts?: WriteOptions): Promise<RetentionResult>;
  /** Replaces the room's render defaults: one "render_defaults" change. */
  setRenderDefaults(roomId: string, settings: RenderSettings, opts?: WriteOptions): Promise<{ version: number }>;
  /**
   * Adds a report to the room's calibration; no version bump, no change. Without a report, only
   * checks that the room exists. NOT_FOUND when it does not (after a due expiry).
   */
  reportUsage(roomId: string, report?: UsageReport): Promise<Calibration>;
  /** Expires idle rooms (each: one "expired" change); with dryRun only lists them. */
  reapIdle(request: ReapRequest): Promise<ReapResult>;
  versions(roomIds: readonly string[]): Promise<number[]>;
  /** A page of existing rooms: `after` is the previous page's `next`, valid only with the same query. */
  listRooms(pageSize: number, after?: string, query?: RoomQuery): Promise<RoomPage>;
  /**
   * Replaces the metadata fields `update` names: one "metadata" change, creating the room if it does not
   * exist; nothing at all (changed false) when the room exists and the update leaves it as it was.
   */
  updateMetadata(roomId: string, update: MetadataUpdate, opts?: WriteOptions): Promise<MetadataResult>;
  /**
   * Applies a rewrite planned from one snapshot (src/agent): replaces the window's first
   * plan.replaceCount entries by plan.head, moves the originals of plan.archived to the archive, bumps
   * the version once and publishes one plan.kind change. VERSION_CONFLICT (current version) when
   * opts.expectedVersion differs, or when the room moved since the snapshot (its version is not
   * plan.baseVersion or its length not plan.baseLength) by more than pure tail appends (planApplies
   * in src/store/rewrite.ts; any move with opts.expectedVersion): the caller re-reads and re-plans.
   */
  rewriteHead(roomId: string, plan: RewritePlan, opts?: WriteOptions): Promise<{ version: number }>;
  /** A page of the room's archive, oldest first (seq order); empty for a room without one. */
  readArchive(roomId: string, query: ArchiveQuery): Promise<ArchivePage>;
  /** Replaces the room's agent options: one "agent_options" change. */
  setAgentOptions(roomId: string, options: AgentOptions, opts?: WriteOptions): Promise<{ version: number; needsCompaction: boolean }>;
  /** A run's cursor; `exists` false when the run has none (or the room does not exist). */
  getRunCursor(roomId: string, runId: string): Promise<RunCursor>;
  /**
   * Sets a run's cursor (src/store/run-cursor.ts); no version bump, no change. CURSOR_CONFLICT when
   * update.expectedNextSeq differs, TOO_LARGE past 64 KiB of values, NOT_FOUND when the room does not exist.
   */
  updateRunCursor(roomId: string, runId: string, update: RunCursorUpdate): Promise<RunCursor>;
  /**
   * The room whole (ExportRooms); undefined when it does not exist. Read in one snapshot: window,
   * archive, settings and metadata belong to the same version.
   */
  exportRoom(roomId: string): Promise<RoomData | undefined>;
  /**
   * Creates or replaces the room with `data`, atomically, publishing one "imported" change; the version
   * never goes down (ImportOutcome.version). VERSION_CONFLICT when mode.expectedVersion differs,
   * ALREADY_EXISTS when the room exists and mode allows no replacing.
   */
  importRoom(data: RoomData, mode: ImportMode): Promise<ImportOutcome>;
  /** Sets the one observer told of every namespaced room's new turns (the memory bank's activity index). */
  setTurnObserver(observer: TurnObserver): void;
  /** Reports when the store becomes reachable (true) or unreachable (false); the health service follows. */
  onAvailability?(listener: (up: boolean) => void): void;
  close(): Promise<void>;
}

/** Settings both stores share. */
export interface StoreOptions {
  /** User/assistant entries kept per room unless SetRoomLimit set another. */
  defaultLimit: number;
  /** Seconds a room lives after its last write; 0 keeps rooms forever. */
  ttlSeconds: number;
  /** Entries larger than this in total travel without their content ("omitted"). */
  maxEventBytes: number;
  /** Seconds an idempotency key is remembered (0: the default, 24 h). */
  idempotencyTtlSeconds?: number;
  /** Seconds a deleted or expired room's tombstone (version, seq) is kept; 0 keeps it forever. */
  tombstoneTtlSeconds?: number;
  /** Bytes of entries a room's window keeps unless SetRoomLimit set another budget. */
  maxRoomBytes?: number;
  /** The byte budget of `snapshots` (ROOMHISTORY_READ_CACHE_BYTES); 0 keeps nothing. Default 64 MiB. */
  readCacheBytes?: number;
  /** Durability applied to mutations that ask for none. */
  durability?: Durability;
  /** Bytes a room's archive keeps (oldest evicted first); 0 keeps all. Default 64 MiB. */
  archiveMaxBytes?: number;
  /** Seconds a room's archive lives after its last archiving; 0 keeps it as long as the room. Default 30 days. */
  archiveTtlSeconds?: number;
}

/** Which archived entries readArchive returns. */
export interface ArchiveQuery {
  /** The oldest seq returned (0: from the start, legacy entries without seq included). */
  fromSeq: number;
  /** The newest seq returned; 0 means to the end. */
  toSeq: number;
  /** Continue after this seq (exclusive): ArchivePage.nextAfterSeq of the previous page. */
  afterSeq?: number;
  /** At most this many entries (a page ends at a seq boundary; one seq's entries are never split unless
   * they alone exceed it). */
  limit: number;
}

/** The longest idle retention a room may ask for: ten years. */
export const MAX_RETENTION_SECONDS = 315_360_000;

export const MIN_ROOM_LIMIT = 50;
export const MAX_ROOM_LIMIT = 1000;

export function clampLimit(limit: number): number {
  return Math.min(MAX_ROOM_LIMIT, Math.max(MIN_ROOM_LIMIT, Math.trunc(limit)));
}

/** The smallest byte budget SetRoomLimit may give a room (unless the server's own is smaller). */
export const MIN_ROOM_BYTES = 64 * 1024;

/** A room's own byte budget, clamped to [64 KiB, the server's budget]. */
export function clampMaxBytes(maxBytes: number, serverMax: number): number {
  return Math.min(serverMax, Math.max(MIN_ROOM_BYTES, Math.trunc(maxBytes)));
}
