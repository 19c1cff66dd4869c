import type { Entry } from "../domain/entry.js";

/** The mutation kinds a change event names; the same words travel in the Redis event payload. */
export type ChangeKindName =
  | "append" | "update" | "delete" | "reactions" | "clear" | "limit" | "rebackfill"
  /** Made by the watch layer, never by a store: changes were merged or missed; fetch the room. */
  | "resync";

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
}

export interface AppendResult {
  version: number;
  entries: Entry[];
  trimmed: number;
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
}

export type MessagePatch =
  | { op: "update"; content: string; expectedVersion?: number }
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
}

export interface RoomPage {
  roomIds: string[];
  /** The last room of the page when more may follow; undefined on the last page. */
  next?: string;
}

/** Receives the changes of subscribed rooms: the watch hub, one per process. */
export interface ChangeListener {
  change(change: StoreChange): void;
  /** The feed lost and regained its connection: changes may have been missed. */
  resubscribed(): void;
}

/** The store's change feed. One subscription per room per process, whatever the number of watchers. */
export interface ChangeFeed {
  setListener(listener: ChangeListener): void;
  /** Resolves once changes of the room are being received. */
  subscribe(roomId: string): Promise<void>;
  unsubscribe(roomId: string): Promise<void>;
}

/**
 * A room-history store. Every mutation is atomic, increments the room's version by exactly one and
 * publishes exactly one change. Throws DomainError for expected failures.
 */
export interface HistoryStore {
  readonly kind: "redis" | "memory";
  readonly feed: ChangeFeed;
  append(roomId: string, entries: Entry[], expectedVersion?: number): Promise<AppendResult>;
  read(roomId: string): Promise<RoomSnapshot>;
  patchMessage(roomId: string, messageId: string, patch: MessagePatch): Promise<PatchResult>;
  clear(roomId: string): Promise<{ version: number }>;
  setLimit(roomId: string, limit: number): Promise<LimitResult>;
  discardRebackfill(roomId: string): Promise<{ version: number }>;
  versions(roomIds: readonly string[]): Promise<number[]>;
  listRooms(pageSize: number, after?: string): Promise<RoomPage>;
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
}

export const MIN_ROOM_LIMIT = 50;
export const MAX_ROOM_LIMIT = 1000;

export function clampLimit(limit: number): number {
  return Math.min(MAX_ROOM_LIMIT, Math.max(MIN_ROOM_LIMIT, Math.trunc(limit)));
}
