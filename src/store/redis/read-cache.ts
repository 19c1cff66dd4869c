import type { RoomSnapshot } from "../store.js";

export interface CachedRoom {
  epoch: string;
  version: number;
  length: number;
  snapshot: RoomSnapshot;
  bytes: number;
}

/**
 * Recently read rooms, least recently used first out, within a byte budget. A hit still asks Redis
 * (read-room-3.lua compares epoch, version and length in the same atomic read), so the cache can
 * never serve a stale window; it only saves sending, parsing and converting unchanged entries.
 */
export class ReadCache {
  private readonly rooms = new Map<string, CachedRoom>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get(roomId: string): CachedRoom | undefined {
    const hit = this.rooms.get(roomId);
    if (hit) {
      this.rooms.delete(roomId);
      this.rooms.set(roomId, hit);
    }
    return hit;
  }

  set(roomId: string, room: CachedRoom): void {
    this.delete(roomId);
    if (room.bytes > this.maxBytes) return;
    this.rooms.set(roomId, room);
    this.bytes += room.bytes;
    for (const [id, old] of this.rooms) {
      if (this.bytes <= this.maxBytes) break;
      this.rooms.delete(id);
      this.bytes -= old.bytes;
    }
  }

  delete(roomId: string): void {
    const old = this.rooms.get(roomId);
    if (!old) return;
    this.rooms.delete(roomId);
    this.bytes -= old.bytes;
  }
}
