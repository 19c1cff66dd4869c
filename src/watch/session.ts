import type { ServerWritableStream } from "@grpc/grpc-js";
import type { WatchRoomsResponse } from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import type { WatchChange } from "../wire/change.js";
import { msToInstant, nowInstant } from "../domain/timestamps.js";
import { coalesce, entriesBytes, MAX_PENDING_BYTES, resync } from "./coalesce.js";
import type { WatchHub, Watcher } from "./hub.js";
import { encodedChange, toRoomChange } from "../wire/to-proto.js";
import type { Encoded } from "../wire/encoded.js";
import { hooks } from "../observability/hooks.js";

/**
 * The stream a session writes to: Watch's or WatchRooms'. WatchRoomsResponse is WatchResponse plus
 * `cancelled` with the same field numbers, so one writer serves both (src/server/server.ts).
 */
export type WatchCall = Pick<ServerWritableStream<unknown, WatchRoomsResponse>, "write" | "once" | "on" | "emit">;

export interface SessionOptions {
  progressMs: number;
  /** Changes go out without their entries (messages_omitted). */
  versionsOnly: boolean;
}

const DEFAULT_PROGRESS_MS = 5000;

/** progress_interval_ms as Watch and WatchRooms read it: zero means 5000, clamped to [100, 60000]. */
export function progressInterval(ms: number): number {
  return Math.min(60_000, Math.max(100, ms || DEFAULT_PROGRESS_MS));
}

/** A room to follow with the version the client holds, and why ("id" unless a selector found it). */
export interface Cursor {
  roomId: string;
  knownVersion: number;
  source?: string;
}

/** What a `created` answer names besides its rooms (WatchRooms; zero values on Watch). */
export interface CreatedAnswer {
  requestId: number;
  prefix: string;
  namespace: string;
}

/** Changes without entries, one per change however many versions-only streams send it (encoded once). */
const withoutEntries = new WeakMap<WatchChange, WatchChange>();

function versionOnly(change: WatchChange): WatchChange {
  if (change.entries.length === 0 && (change.omitted || change.kind === "resync")) return change;
  let bare = withoutEntries.get(change);
  if (!bare) withoutEntries.set(change, (bare = { ...change, entries: [], omitted: true }));
  return bare;
}

/**
 * One watch stream (Watch or WatchRooms) over a set of rooms that may grow and shrink. Changes go out
 * in version order per room and never twice; a room's changes wait until its `created` has been sent,
 * and while the client is slow (write() returned false) they wait in `pending`, at most one per room.
 */
export class WatchSession implements Watcher {
  /** The version last sent per followed room (its `created` or a change): anything at or below is dropped. */
  private readonly sent = new Map<string, number>();
  /** Followed rooms (or being added) and why: "id" or a selector key (see rooms-stream.ts). */
  private readonly sources = new Map<string, Set<string>>();
  private readonly pending = new Map<string, WatchChange>();
  /** Bytes of entries in `pending`; bounded by MAX_PENDING_BYTES (see deliver). */
  private pendingBytes = 0;
  private blocked = false;
  private closed = false;
  private lastWrite = Date.now();
  private timer?: NodeJS.Timeout;
  /** The last watermark sent (ms): it never goes back. */
  private watermark = 0;

  constructor(
    private readonly call: WatchCall,
    private readonly hub: WatchHub,
    private options: SessionOptions,
    private readonly versions: (ids: string[]) => Promise<number[]>,
    private readonly onClose: (s: WatchSession) => void,
  ) {
    call.on("cancelled", () => this.close());
    call.on("close", () => this.close());
    call.on("error", () => this.close());
  }

  get roomCount(): number {
    return this.sources.size;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  follows(roomId: string): boolean {
    return this.sources.has(roomId);
  }

  sourced(roomId: string, source: string): boolean {
    return this.sources.get(roomId)?.has(source) ?? false;
  }

  roomsFrom(source: string): string[] {
    return [...this.sources].filter(([, s]) => s.has(source)).map(([id]) => id);
  }

  setOptions(options: Partial<SessionOptions>): void {
    this.options = { ...this.options, ...options };
    this.startTimer();
  }

  /**
   * Follows the rooms for `source` and answers with one `created` listing them all at their current
   * versions, then a RESYNC for each whose known version differs. Subscribes before reading versions,
   * so no change falls between the read and the subscription.
   */
  async add(cursors: readonly Cursor[], answer: CreatedAnswer): Promise<void> {
    const fresh = cursors.filter((c) => !this.sources.has(c.roomId)).map((c) => c.roomId);
    for (const c of cursors) this.addSource(c.roomId, c.source ?? "id");
    await this.hub.join(this, fresh);
    const ids = cursors.map((c) => c.roomId);
    const current = ids.length ? await this.versions(ids) : [];
    if (this.closed) return;
    this.hub.noteVersions(ids, current);
    // A room already followed may have been sent a change newer than this read: never go back.
    const at = cursors.map((c, i) => Math.max(current[i], this.sent.get(c.roomId) ?? 0));
    this.write({ created: { rooms: cursors.map((c, i) => ({ roomId: c.roomId, version: at[i] })), ...answer } });
    cursors.forEach((c, i) => this.confirm(c, at[i]));
    if (!this.blocked) this.flush();
    this.startTimer();
  }

  /** Follows the room for one more reason; it must be followed already, or be joined by `add`. */
  addSource(roomId: string, source: string): void {
    let s = this.sources.get(roomId);
    if (!s) this.sources.set(roomId, (s = new Set()));
    s.add(source);
  }

  private confirm(c: Cursor, current: number): void {
    if (!this.sources.has(c.roomId)) return; // removed while its versions were read
    this.sent.set(c.roomId, current);
    if (c.knownVersion !== current) this.writeResync(resync(c.roomId, c.knownVersion, current));
    else if (this.hub.mayDiffer(c.roomId, current)) {
      // Same number, maybe not the same history (a failover lost writes and the version was reused):
      // a RESYNC down to 0 makes the client refetch the room whatever it holds.
      this.writeResync(resync(c.roomId, current, 0));
      this.sent.set(c.roomId, 0);
    }
    // What was delivered before this read is at most as new as the read: only what is newer is news.
    const waiting = this.pending.get(c.roomId);
    if (waiting && waiting.version <= current) this.dropPending(c.roomId);
  }

  /**
   * Stops following the rooms for `source` (every reason when undefined); returns those no longer
   * followed at all.
   */
  remove(roomIds: readonly string[], source?: string): string[] {
    const gone: string[] = [];
    for (const id of roomIds) {
      const s = this.sources.get(id);
      if (!s) continue;
      if (source === undefined) s.clear();
      else if (!s.delete(source)) continue;
      if (s.size > 0) continue;
      this.sources.delete(id);
      this.sent.delete(id);
      this.dropPending(id);
      gone.push(id);
    }
    this.hub.leave(this, gone);
    return gone;
  }

  deliver(change: WatchChange): void {
    if (this.closed || !this.isNews(change)) return;
    if (this.options.versionsOnly) change = versionOnly(change);
    const waiting = this.pending.get(change.roomId);
    // A merge must not hide a version going down (lost writes: the client refetches the whole room on
    // it) behind a change the client would skip as not newer than what it has.
    const keepDown = waiting && waiting.version < waiting.previousVersion && change.version <= waiting.previousVersion;
    if (!keepDown) {
      if (waiting) hooks.changesMerged();
      let next = waiting ? coalesce(waiting, change) : change;
      // A slow stream's held-back entries stay bounded: past the budget a change waits as a RESYNC.
      const others = this.pendingBytes - (waiting ? entriesBytes(waiting) : 0);
      if (others + entriesBytes(next) > MAX_PENDING_BYTES) {
        next = { ...resync(next.roomId, next.previousVersion, next.version), agent: next.agent };
      }
      this.dropPending(change.roomId);
      this.pending.set(change.roomId, next);
      this.pendingBytes += entriesBytes(next);
    }
    if (!this.blocked && this.sent.has(change.roomId)) this.flush();
  }

  private dropPending(roomId: string): void {
    const waiting = this.pending.get(roomId);
    if (!waiting) return;
    this.pending.delete(roomId);
    this.pendingBytes -= entriesBytes(waiting);
  }

  /**
   * Whether a change moves the stream on: a newer version, or a RESYNC to any other version (a room
   * whose Redis data was lost comes back lower, and the client must hear of it to refetch).
   */
  private isNews(change: WatchChange): boolean {
    const sent = this.sent.get(change.roomId);
    if (sent === undefined) return true;
    return change.version > sent || (change.kind === "resync" && change.version !== sent);
  }

  /** Ends the stream with a status (e.g. UNAVAILABLE on shutdown) so the client resumes elsewhere. */
  end(code: number, details: string): void {
    if (this.closed) return;
    this.call.emit("error", { code, details });
    this.close();
  }

  private flush(): void {
    for (const [roomId, change] of this.pending) {
      if (this.blocked || this.closed) return;
      const sent = this.sent.get(roomId);
      if (sent === undefined) continue; // its `created` is not out yet
      this.dropPending(roomId);
      if (!this.isNews(change)) continue;
      this.sent.set(roomId, change.version);
      // A change that does not follow what this stream sent (the feed lost messages while it
      // reconnected) goes out as a RESYNC from the stream's version: on one stream, every change's
      // previous_version is the version sent before it for that room. It keeps the change's agent
      // fields: they are the room's state at change.version.
      const next = change.previousVersion === sent ? change : { ...resync(roomId, sent, change.version), agent: change.agent };
      this.write(encodedChange(next));
      hooks.changeSent(next);
    }
  }

  private writeResync(change: WatchChange): void {
    this.write({ change: toRoomChange(change) });
    hooks.changeSent(change);
  }

  /** Writes an answer of its own (WatchRooms' `cancelled`); in order with everything else. */
  write(response: WatchRoomsResponse | Encoded): void {
    if (this.closed) return;
    this.lastWrite = Date.now();
    // An Encoded passes the service's response serialiser untouched (src/server/implementation.ts).
    if (this.call.write(response as WatchRoomsResponse) || this.blocked) return;
    this.blocked = true; // one drain listener however many writes wait for it
    this.call.once("drain", () => {
      this.blocked = false;
      this.flush();
    });
  }

  private startTimer(): void {
    clearInterval(this.timer);
    if (this.closed) return;
    this.timer = setInterval(() => void this.tick(), Math.max(50, this.options.progressMs / 2));
  }

  /**
   * Runs every half interval, so an idle stream hears within 1 to 1.5 intervals of its last message.
   * Progress vouches that nothing was missed: it is withheld while the hub cannot vouch for one of the
   * stream's rooms (its subscription is being restored), so a subscription that stays lost shows as
   * silence and the client's watchdog reconnects.
   */
  private async tick(): Promise<void> {
    if (this.blocked || Date.now() - this.lastWrite < this.options.progressMs) return;
    await this.progress(0, false);
  }

  /**
   * Sends `progress` with a watermark when the stream can vouch for one: every room confirmed by the
   * feed, and nothing held back once the feed's barrier (every change published before it received)
   * is through. `fresh`: the barrier must start after this call (a ProgressRequest).
   */
  async progress(requestId: number, fresh: boolean): Promise<void> {
    const rooms = [...this.sources.keys()];
    let mark: number | undefined;
    for (let attempt = 0; attempt < 20 && !this.closed; attempt++) {
      if (this.hub.confirmed(rooms)) {
        mark = await this.hub.watermark(fresh).catch(() => undefined);
        if (this.closed) return;
        if (mark !== undefined && this.pending.size === 0 && !this.blocked && this.hub.confirmed(rooms)) break;
        mark = undefined;
      }
      if (requestId === 0) break; // an idle tick tries again on the next one
      await new Promise((resolve) => setTimeout(resolve, 25 * (attempt + 1)));
    }
    if (this.closed || (mark === undefined && requestId === 0 && !this.hub.confirmed(rooms))) return;
    if (mark !== undefined) this.watermark = Math.max(this.watermark, mark);
    const watermark = this.watermark ? msToInstant(this.watermark) : undefined;
    this.write({ progress: { sentAt: nowInstant(), watermark, requestId } });
  }

  /** The one place a stream's resources are released. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.pending.clear();
    this.pendingBytes = 0;
    this.hub.leave(this, [...this.sources.keys()]);
    this.onClose(this);
  }
}
