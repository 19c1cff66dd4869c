import type { Logger } from "pino";
import type { ChangeListener, HistoryStore, RoomAnnouncement } from "../store/store.js";
import type { WatchChange } from "../wire/change.js";
import { resync } from "./coalesce.js";

/** What the hub needs of a watch stream. */
export interface Watcher {
  deliver(change: WatchChange): void;
}

interface WatchedRoom {
  watchers: Set<Watcher>;
  /** The newest version this process has seen for the room (from a change or a read). */
  version: number;
  subscribed: Promise<void>;
  /**
   * While a re-read of the room is under way: the newest version a change or a stream's own read
   * showed since it began (-1: none). Whatever the re-read returns, the room ends at least there.
   */
  seenDuringReread?: number;
  /** Re-reads under way; `seenDuringReread` is tracked while there is any. */
  rereads: number;
  /**
   * After a failover that may have lost writes: the highest version streams may have been sent of the
   * lost history. A stream that resumes at or below it with the current version cannot tell its copy
   * from the new history with the same version number (see `mayDiffer`).
   */
  suspectUpTo?: number;
  /** The version of the last change the feed delivered: the feed's versions of a room only go up. */
  lastFromFeed?: number;
}

/** What a stream with prefix or namespace selectors hears of rooms coming into being or moving. */
export interface AnnouncementListener {
  announced(announcement: RoomAnnouncement): void;
  /** Announcements may have been missed: list the selectors' rooms again. */
  relist(): void;
}

/** How old a feed barrier may be and still serve as an idle stream's watermark. */
const WATERMARK_REUSE_MS = 1000;

/** Pause before re-reading again after a failed re-read. */
const REREAD_RETRY_MS = 500;

/**
 * Fans the store's changes out to this process's watch streams. One feed subscription per room, shared
 * by every stream that follows it and released when the last one leaves; idle, it costs nothing.
 *
 * When the feed may have missed changes (a lost subscriber connection, a failover or slot migration
 * that moved the room's subscription), the room is "unconfirmed" until the feed has it again and the
 * hub has re-read its version; then every stream hears of what changed meanwhile as a RESYNC, even a
 * version that went down (writes a failover lost). Streams send no progress while a room of theirs is
 * unconfirmed, so a subscription that stays lost shows as silence (clients reconnect) instead of
 * being hidden behind progress messages.
 */
export class WatchHub implements ChangeListener {
  private readonly rooms = new Map<string, WatchedRoom>();
  /** Rooms whose changes may currently be missed (subscription in doubt or re-read pending). */
  private readonly unconfirmedRooms = new Set<string>();
  private readonly announcementListeners = new Set<AnnouncementListener>();
  /** The last feed barrier that went through: its instant, and when it was asked for. */
  private lastBarrier?: { at: number; asked: number };

  constructor(private readonly store: HistoryStore, private readonly logger: Logger) {
    store.feed.setListener(this);
  }

  /** Follows the rooms; resolves once their changes are being received, so a read after it misses none. */
  async join(watcher: Watcher, roomIds: readonly string[]): Promise<void> {
    const waits = roomIds.map((roomId) => {
      let room = this.rooms.get(roomId);
      if (!room) {
        const created: WatchedRoom = {
          watchers: new Set(), version: 0, subscribed: this.store.feed.subscribe(roomId), rereads: 0,
        };
        created.subscribed.catch(() => this.forget(roomId, created));
        this.rooms.set(roomId, (room = created));
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
      this.forget(roomId, room);
    }
  }

  /** Records versions read by a stream, so a later reconnect compares against them. */
  noteVersions(roomIds: readonly string[], versions: readonly number[]): void {
    roomIds.forEach((id, i) => {
      const room = this.rooms.get(id);
      if (!room) return;
      if (versions[i] > room.version) room.version = versions[i];
      if (room.seenDuringReread !== undefined) room.seenDuringReread = Math.max(room.seenDuringReread, versions[i]);
    });
  }

  change(change: WatchChange): void {
    const room = this.rooms.get(change.roomId);
    if (!room) return;
    if (room.lastFromFeed !== undefined && change.version <= room.lastFromFeed) this.diverged(room, change);
    room.lastFromFeed = change.version;
    if (change.version > room.version) room.version = change.version;
    if (room.seenDuringReread !== undefined) room.seenDuringReread = Math.max(room.seenDuringReread, change.version);
    for (const w of room.watchers) w.deliver(change);
  }

  /**
   * The feed delivered a version it had already delivered (or a lower one): two histories of the room
   * exist. A master deposed by a failover and then resumed (SIGSTOP, a long pause) still runs the
   * writes queued for it and publishes them, and Redis relays a shard's messages to the shard's other
   * nodes, the new master included; then the new master's own change of that version arrives. Streams
   * may have been sent the deposed master's: RESYNC to 0, so every client refetches the room.
   */
  private diverged(room: WatchedRoom, change: WatchChange): void {
    this.logger.warn({ roomId: change.roomId, version: change.version, after: room.lastFromFeed },
      "two changes of one room version: a failover lost writes; watchers refetch");
    room.suspectUpTo = Math.max(room.suspectUpTo ?? 0, room.version);
    const lost = resync(change.roomId, room.version, 0);
    room.version = change.version;
    for (const w of room.watchers) w.deliver(lost);
  }

  /** The feed can no longer vouch for these rooms' changes: streams following them fall silent. */
  unconfirmed(roomIds: readonly string[]): void {
    for (const id of roomIds) if (this.rooms.has(id)) this.unconfirmedRooms.add(id);
  }

  /**
   * After the feed reconnected (all rooms, or those named): whatever changed meanwhile reaches every
   * stream. `writesMayBeLost` (a failed master's slot moved to its replica): see `reread`.
   */
  resubscribed(roomIds?: readonly string[], opts?: { writesMayBeLost?: boolean }): void {
    void this.reread(roomIds ?? [...this.rooms.keys()], opts?.writesMayBeLost);
  }

  /**
   * Re-reads the rooms' versions (the path every "changes may have been missed" signal takes) and sends every stream following them a RESYNC to what was read,
   * lower versions included (a stream that already has that version drops it). The rooms count as
   * unconfirmed until the read succeeds; a failed read is tried again.
   *
   * `writesMayBeLost`: the versions streams were sent may since have been reused by other writes (a
   * master failed before replicating what it had published), so an equal or higher version proves
   * nothing, and how many versions were lost is unknown. Each stream is sent a RESYNC to version 0,
   * the one signal on which every client refetches the whole room whatever version it holds (a version
   * going down: the data was lost); the next change then reaches it as a RESYNC from 0.
   */
  async reread(roomIds: readonly string[], writesMayBeLost = false): Promise<void> {
    const ids = roomIds.filter((id) => this.rooms.has(id));
    if (ids.length === 0) return;
    const rooms = ids.map((id) => this.rooms.get(id)!);
    for (const [i, room] of rooms.entries()) {
      this.unconfirmedRooms.add(ids[i]);
      if (room.rereads++ === 0) room.seenDuringReread = -1;
    }
    let versions: number[];
    try {
      versions = await this.store.versions(ids);
    } catch (err) {
      for (const room of rooms) if (--room.rereads === 0) room.seenDuringReread = undefined;
      this.logger.warn({ err: (err as Error).message, rooms: ids.length }, "re-reading watched versions failed; retrying");
      setTimeout(() => void this.reread(ids, writesMayBeLost), REREAD_RETRY_MS).unref();
      return;
    }
    ids.forEach((id, i) => {
      const room = this.rooms.get(id);
      if (room !== rooms[i]) return; // left (and maybe joined again) meanwhile: a newer read covers it
      // A change (or a stream's read) newer than this read already moved the room on: it is the truth.
      const target = Math.max(versions[i], room.seenDuringReread ?? -1);
      if (--room.rereads === 0) {
        room.seenDuringReread = undefined;
        this.unconfirmedRooms.delete(id);
      } else {
        room.seenDuringReread = target; // a later re-read still running ends no lower than this one
      }
      if (writesMayBeLost) room.suspectUpTo = Math.max(room.suspectUpTo ?? 0, room.version);
      // Read after every change the feed delivered, so lower only when the room lost versions: what the
      // feed delivers next follows the version read. (Never raised here: changes below the version read
      // may still be on their way.)
      if (target < (room.lastFromFeed ?? 0)) room.lastFromFeed = target;
      const change = writesMayBeLost && room.version > 0 ? resync(id, room.version, 0) : resync(id, room.version, target);
      room.version = target;
      for (const w of room.watchers) w.deliver(change);
    });
  }

  /**
   * Re-reads the versions of those rooms this process watches and sends a RESYNC where one moved up
   * without a change reaching the feed: a legacy writer's INCR, as the legacy bridge
   * (src/store/redis/legacy-bridge.ts) sees it. The read may also overtake a change of the service's
   * own, already on its way on the feed's connection; a room is therefore judged only after
   * `settleMs`, once such a change has had its turn, and a change that arrived settles it.
   */
  async recheck(roomIds: readonly string[], settleMs = 20): Promise<void> {
    const rooms = roomIds.flatMap((id) => (this.rooms.has(id) ? [{ id, room: this.rooms.get(id)! }] : []));
    if (rooms.length === 0) return;
    const versions = await this.store.versions(rooms.map((r) => r.id));
    const moved = rooms.flatMap((r, i) => (versions[i] > r.room.version ? [{ ...r, read: versions[i] }] : []));
    if (moved.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, settleMs));
    for (const { id, room, read } of moved) {
      if (this.rooms.get(id) === room && read > room.version) this.change(resync(id, room.version, read));
    }
  }

  /**
   * Whether a stream's copy of a room at `version` (the room's current version too) may hold writes a
   * failover lost, their version numbers since reused: then the stream must make its client refetch.
   */
  mayDiffer(roomId: string, version: number): boolean {
    const upTo = this.rooms.get(roomId)?.suspectUpTo;
    return upTo !== undefined && version > 0 && version <= upTo;
  }

  /** Whether the feed vouches for every one of these rooms (a stream may send progress). */
  confirmed(roomIds: readonly string[]): boolean {
    if (this.unconfirmedRooms.size === 0) return true;
    return roomIds.every((id) => !this.unconfirmedRooms.has(id));
  }

  /** Starts telling `listener` of room announcements; resolves once they are being received. */
  async followAnnouncements(listener: AnnouncementListener): Promise<void> {
    await this.store.feed.followAnnouncements();
    this.announcementListeners.add(listener);
  }

  unfollowAnnouncements(listener: AnnouncementListener): void {
    if (!this.announcementListeners.delete(listener)) return;
    void this.store.feed.unfollowAnnouncements().catch(() => undefined);
  }

  announced(announcement: RoomAnnouncement): void {
    for (const l of this.announcementListeners) l.announced(announcement);
  }

  announcementsResumed(): void {
    for (const l of this.announcementListeners) l.relist();
  }

  /**
   * An instant (ms) before which every change published to a room this process follows has been
   * handed to the streams: the feed's barrier, shared by every stream. `fresh`: one asked for after
   * this call (a ProgressRequest); otherwise one up to a second old will do (an idle stream's progress).
   */
  async watermark(fresh: boolean): Promise<number> {
    const asked = Date.now();
    const last = this.lastBarrier;
    if (!fresh && last && asked - last.asked < WATERMARK_REUSE_MS) return last.at;
    const at = await this.store.feed.barrier();
    if (!this.lastBarrier || at > this.lastBarrier.at) this.lastBarrier = { at, asked };
    return at;
  }

  /** The store feed's room subscriptions (one per watched room, while it is being subscribed or held). */
  get feedSubscriptions(): number {
    return this.store.feed.subscriptions;
  }

  get watchedRooms(): number {
    return this.rooms.size;
  }

  private forget(roomId: string, room: WatchedRoom): void {
    if (this.rooms.get(roomId) !== room) return;
    this.rooms.delete(roomId);
    this.unconfirmedRooms.delete(roomId);
    void this.store.feed.unsubscribe(roomId).catch((err: Error) =>
      this.logger.warn({ roomId, err: err.message }, "unsubscribe failed"),
    );
  }
}
