import type { Logger } from "pino";
import type { ChangeListener, HistoryStore, StoreChange } from "../store/store.js";
import { resync } from "./coalesce.js";

/** What the hub needs of a watch stream. */
export interface Watcher {
  deliver(change: StoreChange): void;
}

interface WatchedRoom {
  watchers: Set<Watcher>;
  /** The newest version this process has seen for the room (from a change or a read). */
  version: number;
  subscribed: Promise<void>;
}

/**
 * Fans the store's changes out to this process's watch streams. One feed subscription per room, shared
 * by every stream that follows it and released when the last one leaves; idle, it costs nothing.
 */
export class WatchHub implements ChangeListener {
  private readonly rooms = new Map<string, WatchedRoom>();

  constructor(private readonly store: HistoryStore, private readonly logger: Logger) {
    store.feed.setListener(this);
  }

  /** Follows the rooms; resolves once their changes are being received, so a read after it misses none. */
  async join(watcher: Watcher, roomIds: readonly string[]): Promise<void> {
    const waits = roomIds.map((roomId) => {
      let room = this.rooms.get(roomId);
      if (!room) {
        room = { watchers: new Set(), version: 0, subscribed: this.store.feed.subscribe(roomId) };
        this.rooms.set(roomId, room);
        room.subscribed.catch(() => this.rooms.get(roomId) === room && this.rooms.delete(roomId));
      }
      room.watchers.add(watcher);
      return room.subscribed;
    });
    await Promise.all(waits);
  }

  leave(watcher: Watcher, roomIds: readonly string[]): void {
    for (const roomId of roomIds) {
      const room = this.rooms.get(roomId);
      if (!room?.watchers.delete(watcher) || room.watchers.size > 0) continue;
      this.rooms.delete(roomId);
      void this.store.feed.unsubscribe(roomId).catch((err: Error) =>
        this.logger.warn({ roomId, err: err.message }, "unsubscribe failed"),
      );
    }
  }

  /** Records versions read by a stream, so a later reconnect compares against them. */
  noteVersions(roomIds: readonly string[], versions: readonly number[]): void {
    roomIds.forEach((id, i) => {
      const room = this.rooms.get(id);
      if (room && versions[i] > room.version) room.version = versions[i];
    });
  }

  change(change: StoreChange): void {
    const room = this.rooms.get(change.roomId);
    if (!room) return;
    if (change.version > room.version) room.version = change.version;
    for (const w of room.watchers) w.deliver(change);
  }

  /** After the feed reconnected: whatever changed meanwhile reaches every stream as a RESYNC. */
  resubscribed(): void {
    const ids = [...this.rooms.keys()];
    const before = ids.map((id) => this.rooms.get(id)!.version);
    this.store.versions(ids).then(
      (versions) => ids.forEach((id, i) => {
        const room = this.rooms.get(id);
        // A change that arrived while the read was under way is newer than what was read: the feed is
        // live again, and a stream turns any gap it left into a RESYNC itself. Only an unchanged room's
        // read counts, including one that came back lower because Redis lost it.
        if (!room || room.version !== before[i] || versions[i] === room.version) return;
        const change = resync(id, room.version, versions[i]);
        room.version = versions[i];
        for (const w of room.watchers) w.deliver(change);
      }),
      (err: Error) => {
        this.logger.warn({ err: err.message }, "re-reading watched versions failed; retrying");
        setTimeout(() => this.resubscribed(), 500).unref();
      },
    );
  }

  get watchedRooms(): number {
    return this.rooms.size;
  }
}
