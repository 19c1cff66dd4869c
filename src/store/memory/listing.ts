/** ListRooms pages over the memory store's rooms, in the Redis store's orders (src/store/room-query.ts). */
import type { RoomListingData, RoomPage } from "../store.js";
import { activityCursor, afterActivityCursor, parseActivityCursor } from "../room-query.js";
import type { MemoryMetadata } from "./metadata.js";

export function listingOf(roomId: string, room: { metadata?: MemoryMetadata; updMs: number }): RoomListingData {
  const m = room.metadata;
  return {
    roomId, title: m?.title ?? "", namespace: m?.namespace ?? "", labels: [...(m?.labels ?? [])],
    lastActivityMs: room.updMs || undefined,
  };
}

function page(rooms: RoomListingData[], pageSize: number, cursor: (r: RoomListingData) => string): RoomPage {
  const listed = rooms.slice(0, pageSize);
  const next = rooms.length > pageSize ? cursor(listed[listed.length - 1]) : undefined;
  return { roomIds: listed.map((r) => r.roomId), rooms: listed, next };
}

/** By id (Redis orders ZRANGEBYLEX by bytes; UTF-16 code units agree for the room id charset). */
export function pageById(rooms: RoomListingData[], pageSize: number, after?: string): RoomPage {
  const sorted = rooms.sort((a, b) => (a.roomId < b.roomId ? -1 : a.roomId > b.roomId ? 1 : 0));
  return page(after === undefined ? sorted : sorted.filter((r) => r.roomId > after), pageSize, (r) => r.roomId);
}

/** Newest first, ties by id descending. */
export function pageByActivity(rooms: RoomListingData[], pageSize: number, after?: string): RoomPage {
  const score = (r: RoomListingData) => r.lastActivityMs ?? 0;
  const sorted = rooms.sort((a, b) => score(b) - score(a) || (a.roomId < b.roomId ? 1 : a.roomId > b.roomId ? -1 : 0));
  const from = after === undefined ? undefined : parseActivityCursor(after);
  const rest = from ? sorted.filter((r) => afterActivityCursor(score(r), r.roomId, from)) : sorted;
  return page(rest, pageSize, (r) => activityCursor(score(r), r.roomId));
}
