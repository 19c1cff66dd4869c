/**
 * The typed calls of the scripts only a single Redis runs: the legacy bridge's legacy-sync-4.lua and
 * migrate-room-11.lua (npm run migrate-legacy). Same rules as script-calls.ts: arguments in the order
 * of each script's header, replies as named fields.
 */
import type { Redis } from "ioredis";
import type { RoomKeys } from "../keys.js";

// ---- legacy-sync-4.lua (the legacy bridge; single Redis)

export interface LegacySyncArgs {
  keys: Pick<RoomKeys, "list" | "version" | "meta">;
  /** The layout's room index. */
  roomIndex: string;
  roomId: string;
  /** Bump the version unless this list state was bumped for already. */
  bump: boolean;
}

export interface LegacySyncReply {
  /** -1 when the version key holds no integer (nothing written). */
  version: number;
  bumped: boolean;
  /** 1 newly indexed, -1 taken out of the index, 0 neither. */
  indexed: number;
}

export async function legacySync(redis: Redis, a: LegacySyncArgs): Promise<LegacySyncReply> {
  const reply = await redis.rhLegacySync(a.keys.list, a.keys.version, a.keys.meta, a.roomIndex, a.roomId, a.bump ? "1" : "");
  return { version: Number(reply[0]), bumped: Number(reply[1]) === 1, indexed: Number(reply[2]) };
}

// ---- migrate-room-11.lua (npm run migrate-legacy; single Redis)

/** First element of migrate-room-11.lua's reply. */
export enum MigrateOutcome {
  MIGRATED = 1,
  ALREADY = 2,
  NOTHING = 0,
  CONFLICT = -1,
  WRONG_TYPE = -2,
  CHANGED = -3,
}

export interface MigrateRoomArgs {
  legacy: Pick<RoomKeys, "list" | "version" | "meta">;
  tagged: Pick<RoomKeys, "list" | "version" | "meta">;
  taggedRoomIndex: string;
  taggedActivityIndex: string;
  legacyRoomIndex: string;
  legacyExpiryIndex: string;
  legacyActivityIndex: string;
  roomId: string;
  now: string;
  deleteSource: boolean;
  dryRun: boolean;
}

export interface MigrateRoomReply {
  outcome: MigrateOutcome;
  /** The hash-tagged room's version (after the move). */
  version: number;
  /** The number of legacy entries. */
  entries: number;
}

export async function migrateRoom(redis: Redis, a: MigrateRoomArgs): Promise<MigrateRoomReply> {
  const reply = await redis.rhMigrateRoom(
    a.legacy.list, a.legacy.version, a.legacy.meta, a.tagged.list, a.tagged.version, a.tagged.meta,
    a.taggedRoomIndex, a.taggedActivityIndex, a.legacyRoomIndex, a.legacyExpiryIndex, a.legacyActivityIndex,
    a.roomId, a.now, a.deleteSource ? "1" : "", a.dryRun ? "1" : "",
  );
  const [outcome, version, entries] = reply.map(Number);
  return { outcome, version, entries };
}
