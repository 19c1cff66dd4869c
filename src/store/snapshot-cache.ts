import type { RoomSnapshot } from "./store.js";

/** A value derived from a snapshot (an encoded reply, a rendered history) and what it costs to keep. */
export interface Derived<T> {
  value: T;
  bytes: number;
}

interface Slot {
  snapshot: RoomSnapshot;
  /** Store-private facts about the snapshot (the Redis store keeps epoch and list length here). */
  tag: unknown;
  /** The decoded snapshot's cost; 0 when the store keeps the snapshot anyway (the memory store). */
  own: number;
  derived: Map<string, Derived<unknown>>;
  /** own + every derived value's bytes. */
  bytes: number;
}

/**
 * Everything the server keeps per room beyond a call: the newest snapshot read (decoded entries) and
 * the values derived from it (the encoded GetHistory reply, rendered histories), under ONE byte budget,
 * least recently used room first out. A room's values are evicted together, and replaced together when
 * a newer snapshot arrives, so an old version never holds memory. Sizes are estimates of what the
 * values really hold: a Buffer's length, and for decoded entries their JSON bytes plus a per-entry
 * allowance for the objects around them (see snapshotBytes).
 */
export class SnapshotCache {
  private readonly rooms = new Map<string, Slot>();
  private total = 0;

  constructor(readonly maxBytes: number) {}

  /** Bytes currently held. */
  get bytes(): number {
    return this.total;
  }

  /** The room's cached snapshot and its tag; marks the room as recently used. */
  get(roomId: string): { snapshot: RoomSnapshot; tag: unknown } | undefined {
    const slot = this.rooms.get(roomId);
    if (!slot) return undefined;
    this.touch(roomId, slot);
    return slot;
  }

  /** Keeps a snapshot the store read (replacing the room's older one and what was derived from it). */
  put(roomId: string, snapshot: RoomSnapshot, bytes: number, tag?: unknown): void {
    this.delete(roomId);
    if (bytes > this.maxBytes) return;
    this.rooms.set(roomId, { snapshot, tag, own: bytes, derived: new Map(), bytes });
    this.total += bytes;
    this.evict(roomId);
  }

  /**
   * The value `make` derives from the room's snapshot, made once per snapshot and kept under the
   * budget; made and not kept when it does not fit, or when `snapshot` is older than the one cached.
   */
  derive<T>(roomId: string, snapshot: RoomSnapshot, key: string, make: () => Derived<T>): T {
    let slot = this.rooms.get(roomId);
    const hit = slot?.snapshot === snapshot ? slot.derived.get(key) : undefined;
    if (hit) {
      this.touch(roomId, slot!);
      return hit.value as T;
    }
    const made = make();
    const current = slot?.snapshot === snapshot;
    if (slot && !current && slot.snapshot.version > snapshot.version) return made.value;
    if ((current ? slot!.bytes : 0) + made.bytes > this.maxBytes) return made.value;
    if (!current) {
      this.delete(roomId);
      slot = { snapshot, tag: undefined, own: 0, derived: new Map(), bytes: 0 };
      this.rooms.set(roomId, slot);
    }
    slot = slot!;
    slot.derived.set(key, made);
    slot.bytes += made.bytes;
    this.total += made.bytes;
    this.touch(roomId, slot);
    this.evict(roomId);
    return made.value;
  }

  delete(roomId: string): void {
    const slot = this.rooms.get(roomId);
    if (!slot) return;
    this.rooms.delete(roomId);
    this.total -= slot.bytes;
  }

  private touch(roomId: string, slot: Slot): void {
    this.rooms.delete(roomId);
    this.rooms.set(roomId, slot);
  }

  /** Drops the least recently used rooms until the total fits, never `keep` (which fits alone). */
  private evict(keep: string): void {
    for (const [id, slot] of this.rooms) {
      if (this.total <= this.maxBytes) break;
      if (id === keep) continue;
      this.rooms.delete(id);
      this.total -= slot.bytes;
    }
  }
}

/** Objects around each decoded entry: the Entry, its Message (messageOf), timestamps, arrays. */
export const ENTRY_OVERHEAD_BYTES = 512;

/** The estimated cost of a decoded snapshot whose stored entries total `jsonBytes`. */
export function snapshotBytes(jsonBytes: number, entries: number): number {
  return jsonBytes + entries * ENTRY_OVERHEAD_BYTES;
}
