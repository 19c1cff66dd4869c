/**
 * A room whole in the memory store (HistoryStore.exportRoom / importRoom), with the semantics of
 * export-room-5.lua and import-room-5.lua (src/store/transfer-rules.ts holds the shared rules; the
 * conformance suite holds the two stores together).
 */
import { DEFAULT_MAX_ROOM_BYTES } from "../../defaults.js";
import { decodeEntry, encodeEntry, entryBytes, type Entry } from "../../domain/entry.js";
import { roomAlreadyExists, versionConflict } from "../../domain/errors.js";
import type { RoomMetadataData } from "../metadata-types.js";
import { archiveDefaults } from "../rewrite.js";
import { cursorOf, type StoredCursor } from "../run-cursor.js";
import type { ArchiveQuery, StoreOptions } from "../store.js";
import { checkWindowBudget, importBudget, importedSeq, importedVersion } from "../transfer-rules.js";
import type { ImportMode, ImportOutcome, RoomData } from "../transfer-types.js";
import { MemoryArchive } from "./archive.js";
import { metadataData, type MemoryMetadata } from "./metadata.js";
import type { Room } from "./memory-store.js";

/** What the two functions below need of the MemoryStore (its private parts, handed over by the store). */
export interface MemoryTransferAccess {
  options: StoreOptions;
  /** The room, unless it never existed or its tombstone was forgotten. */
  peek(roomId: string): Room | undefined;
  /** The room, made (at version 0) when there is none. */
  room(roomId: string): Room;
  exists(room: Room | undefined): boolean;
  expireIfDue(roomId: string): void;
  /** Bumps the version, stamps the write (and creation, when unset) time and publishes one change (MemoryStore.commit). */
  commit(roomId: string, room: Room, kind: "imported", moved: { created: boolean; previousNamespace: string }): void;
  /** Tells the turn observer (the memory bank's activity index) of a namespaced room's turns. */
  tellTurn(roomId: string, namespace: string, version: number): void;
}

/** Every row of an archive, in one page. */
const WHOLE_ARCHIVE: ArchiveQuery = { fromSeq: 0, toSeq: 0, limit: Number.MAX_SAFE_INTEGER };

export function exportRoom(access: MemoryTransferAccess, roomId: string): RoomData | undefined {
  const room = access.peek(roomId);
  if (!room || !access.exists(room)) return undefined;
  const data: RoomData = {
    roomId, version: room.version, lastSeq: room.seq,
    limit: room.limit, maxBytes: room.maxBytes, ttlSeconds: room.ttl, rebackfill: room.rebackfill,
    metadata: metadataData(room.metadata),
    createdAt: room.createdMs === undefined ? undefined : new Date(room.createdMs).toISOString(),
    updatedAt: room.updatedAt,
    entries: room.entries.map(clone),
    archive: room.archive?.page(WHOLE_ARCHIVE).rows.flatMap((row) => decodeEntry(row.entry) ?? []) ?? [],
    renderDefaults: renderOf(room),
    agentOptions: room.agent && { ...room.agent, outputKeys: [...room.agent.outputKeys] },
    runCursors: [...(room.cursors ?? new Map<string, StoredCursor>())]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([runId, stored]) => ({ runId, ...cursorOf(stored) })),
  };
  data.lastSeq = importedSeq(data);
  return data;
}

export function importRoom(access: MemoryTransferAccess, data: RoomData, mode: ImportMode): ImportOutcome {
  const entries = data.entries.map(clone);
  const sizes = entries.map(entryBytes);
  checkWindowBudget(sizes, importBudget(data, access.options.maxRoomBytes ?? DEFAULT_MAX_ROOM_BYTES));
  access.expireIfDue(data.roomId);
  const before = access.peek(data.roomId);
  const current = before?.version ?? 0;
  if (mode.expectedVersion !== undefined && mode.expectedVersion !== current) {
    throw versionConflict(data.roomId, mode.expectedVersion, current);
  }
  const replaced = access.exists(before);
  if (mode.expectedVersion === undefined && replaced && !mode.replaceExisting) throw roomAlreadyExists(data.roomId, current);
  const previousNamespace = before?.metadata?.namespace ?? "";
  const room = access.room(data.roomId);
  Object.assign(room, {
    entries, sizes, version: importedVersion(data.version, current) - 1, seq: Math.max(room.seq, importedSeq(data)),
    limit: data.limit, maxBytes: data.maxBytes, rebackfill: data.rebackfill, ttl: data.ttlSeconds,
    render: data.renderDefaults && structuredClone(data.renderDefaults), usage: undefined,
    agent: data.agentOptions && { ...data.agentOptions, outputKeys: [...data.agentOptions.outputKeys] },
    cursors: cursorsOf(data), archive: archiveOf(data, access.options), headVersion: undefined,
    metadata: memoryMetadata(data.metadata), createdMs: createdMsOf(data),
  } satisfies Partial<Room>);
  access.commit(data.roomId, room, "imported", { created: !replaced, previousNamespace });
  // The room keeps the record's updated_at; idle retention counts from now (commit's updMs).
  if (data.updatedAt) room.updatedAt = data.updatedAt;
  // Turns that arrive in a namespace join its memory bank's activity, as a moved room's do.
  if (data.metadata.namespace && entries.length > 0) access.tellTurn(data.roomId, data.metadata.namespace, room.version);
  return { version: room.version, replaced };
}

/** As the Redis store keeps metadata: labels sorted without duplicates, participants by id. */
function memoryMetadata(m: RoomMetadataData): MemoryMetadata {
  const participants = new Map(m.participants.map((p) => [p.id, { ...p }]));
  return { title: m.title, namespace: m.namespace, summary: m.summary, labels: [...new Set(m.labels)].sort(), participants };
}

/** When the room was first written; undefined (commit then takes now, as crt) when unknown. */
function createdMsOf(data: RoomData): number | undefined {
  const ms = data.createdAt === undefined ? NaN : Date.parse(data.createdAt);
  return Number.isFinite(ms) ? ms : undefined;
}

/** The room's render defaults, only when one of them is set (as the meta fields tpl, ctx, enc). */
function renderOf(room: Room): RoomData["renderDefaults"] {
  const r = room.render;
  if (!r || (!r.template && r.context === undefined && !r.encoding)) return undefined;
  return structuredClone(r);
}

function cursorsOf(data: RoomData): Map<string, StoredCursor> | undefined {
  if (!data.runCursors.length) return undefined;
  return new Map(data.runCursors.map((c) => [c.runId, { next_seq: String(c.nextSeq), values: { ...c.values } }]));
}

function archiveOf(data: RoomData, options: StoreOptions): MemoryArchive | undefined {
  if (!data.archive.length) return undefined;
  const { archiveMaxBytes, archiveTtlSeconds } = archiveDefaults(options);
  const archive = new MemoryArchive();
  archive.add(data.archive.map((e) => ({ seq: e.seq ?? 0, entry: encodeEntry(e) })), archiveMaxBytes, archiveTtlSeconds);
  return archive;
}

function clone(entry: Entry): Entry {
  return structuredClone(entry);
}
