import { encodeEntry, entryId, trimCount, type Entry } from "../../domain/entry.js";
import { messageNotFound, versionConflict } from "../../domain/errors.js";
import { nowIso } from "../../domain/timestamps.js";
import { deletedTag, reactionsTag } from "../../domain/tags.js";
import type {
  AppendResult, ChangeKindName, HistoryStore, LimitResult, MessagePatch, PatchResult, RoomPage, RoomSnapshot,
  StoreOptions,
} from "../store.js";
import { MemoryFeed } from "./memory-feed.js";
import { applyLegacyTag, setText } from "./patch.js";

interface Room {
  entries: Entry[];
  version: number;
  seq: number;
  limit?: number;
  rebackfill: boolean;
  updatedAt?: string;
  expiresAt?: number;
  snapshot?: RoomSnapshot;
}

/**
 * The embedded store: the same semantics as the Redis store (versions, trims, events), held in this
 * process. The conformance suite (test/conformance) runs against both.
 */
export class MemoryStore implements HistoryStore {
  readonly kind = "memory";
  readonly feed = new MemoryFeed();
  private readonly rooms = new Map<string, Room>();

  constructor(private readonly options: StoreOptions) {}

  async append(roomId: string, entries: Entry[], expectedVersion?: number): Promise<AppendResult> {
    const room = this.room(roomId);
    this.check(roomId, room, expectedVersion);
    const stored = entries.map((e, i) => ({ ...clone(e), seq: room.seq + i + 1 }));
    room.seq += stored.length;
    room.entries.push(...stored.map(clone));
    const trimmed = this.trim(room);
    this.commit(roomId, room, "append", stored, trimmed);
    return { version: room.version, entries: stored, trimmed };
  }

  async read(roomId: string): Promise<RoomSnapshot> {
    const room = this.peek(roomId);
    if (!room) return { version: 0, limit: this.options.defaultLimit, rebackfill: false, entries: [] };
    // The same object until the next mutation, as the Redis store's read cache hands out.
    room.snapshot ??= {
      version: room.version,
      limit: room.limit ?? this.options.defaultLimit,
      rebackfill: room.rebackfill,
      updatedAt: room.updatedAt,
      entries: room.entries.map(clone),
    };
    return room.snapshot;
  }

  async patchMessage(roomId: string, messageId: string, patch: MessagePatch): Promise<PatchResult> {
    const room = this.room(roomId);
    this.check(roomId, room, patch.op === "update" ? patch.expectedVersion : undefined);
    const index = findLastIndex(room.entries, (e) => entryId(e) === messageId);
    if (index < 0) throw messageNotFound(roomId, messageId);
    const entry = room.entries[index];
    const legacy = entry.id === undefined;
    if (patch.op === "update") {
      setText(entry, patch.content);
      entry.edited_at = nowIso();
    } else if (patch.op === "delete") {
      entry.deleted_at = patch.deletedAt;
      if (legacy) applyLegacyTag(entry, "deleted", deletedTag(patch.deletedAt));
    } else {
      if (patch.reactions.length) entry.reactions = patch.reactions.map((r) => ({ ...r }));
      else delete entry.reactions;
      if (legacy) applyLegacyTag(entry, "reactions", reactionsTag(patch.reactions));
    }
    this.commit(roomId, room, patch.op, [clone(entry)], 0);
    return { version: room.version, entry: clone(entry) };
  }

  async clear(roomId: string): Promise<{ version: number }> {
    const room = this.room(roomId);
    room.entries = [];
    this.commit(roomId, room, "clear", [], 0);
    return { version: room.version };
  }

  async setLimit(roomId: string, limit: number): Promise<LimitResult> {
    const room = this.room(roomId);
    if (limit > (room.limit ?? this.options.defaultLimit)) room.rebackfill = true;
    room.limit = limit;
    const trimmed = this.trim(room);
    this.commit(roomId, room, "limit", [], trimmed);
    return { version: room.version, limit, rebackfill: room.rebackfill, trimmed };
  }

  async discardRebackfill(roomId: string): Promise<{ version: number }> {
    const room = this.room(roomId);
    room.rebackfill = false;
    this.commit(roomId, room, "rebackfill", [], 0);
    return { version: room.version };
  }

  async versions(roomIds: readonly string[]): Promise<number[]> {
    return roomIds.map((id) => this.peek(id)?.version ?? 0);
  }

  async listRooms(pageSize: number, after?: string): Promise<RoomPage> {
    const ids = [...this.rooms.keys()].filter((id) => this.peek(id)).sort(byCodeUnit);
    const from = after === undefined ? 0 : ids.findIndex((id) => byCodeUnit(id, after) > 0);
    const rest = from < 0 ? [] : ids.slice(from);
    const roomIds = rest.slice(0, pageSize);
    return { roomIds, next: rest.length > pageSize ? roomIds[roomIds.length - 1] : undefined };
  }

  async close(): Promise<void> {}

  private check(roomId: string, room: Room, expected?: number): void {
    if (expected !== undefined && expected !== room.version) throw versionConflict(roomId, expected, room.version);
  }

  private trim(room: Room): number {
    const drop = trimCount(room.entries.map((e) => e.role), room.limit ?? this.options.defaultLimit);
    room.entries.splice(0, drop);
    return drop;
  }

  /** Bumps the version and publishes, as the tail of every Lua mutation script does. */
  private commit(roomId: string, room: Room, kind: ChangeKindName, entries: Entry[], trimmed: number): void {
    room.version++;
    room.updatedAt = nowIso();
    room.snapshot = undefined;
    if (this.options.ttlSeconds > 0) room.expiresAt = Date.now() + this.options.ttlSeconds * 1000;
    const size = entries.reduce((n, e) => n + encodeEntry(e).length, 0);
    const omitted = size > this.options.maxEventBytes;
    this.feed.publish({
      roomId, version: room.version, previousVersion: room.version - 1, kind,
      entries: omitted ? [] : entries, omitted, trimmed,
    });
  }

  /** The room if it exists and has not expired; an expired room is forgotten, as Redis would. */
  private peek(roomId: string): Room | undefined {
    const room = this.rooms.get(roomId);
    if (room?.expiresAt !== undefined && room.expiresAt <= Date.now()) {
      this.rooms.delete(roomId);
      return undefined;
    }
    return room;
  }

  private room(roomId: string): Room {
    let room = this.peek(roomId);
    if (!room) {
      room = { entries: [], version: 0, seq: 0, rebackfill: false };
      this.rooms.set(roomId, room);
    }
    return room;
  }
}

function clone(entry: Entry): Entry {
  return structuredClone(entry);
}

function findLastIndex<T>(items: T[], test: (item: T) => boolean): number {
  for (let i = items.length - 1; i >= 0; i--) if (test(items[i])) return i;
  return -1;
}

/** Redis orders ZRANGEBYLEX by bytes; comparing UTF-16 code units agrees for the room id charset. */
function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
