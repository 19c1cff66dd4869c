import type { ServerWritableStream } from "@grpc/grpc-js";
import type { WatchResponse } from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import type { WatchChange } from "../wire/change.js";
import { nowInstant } from "../domain/timestamps.js";
import { coalesce, entriesBytes, MAX_PENDING_BYTES, resync } from "./coalesce.js";
import type { WatchHub, Watcher } from "./hub.js";
import { encodedChange, toRoomChange } from "../wire/to-proto.js";
import type { Encoded } from "../wire/encoded.js";

/** The stream a session writes to (its request was read by WatchService.open). */
export type WatchCall = ServerWritableStream<unknown, WatchResponse>;

/**
 * One Watch stream. Changes go out in version order per room and never twice; while the client is slow
 * (write() returned false) or before `created` is sent, they wait in `pending`, at most one per room.
 */
export class WatchSession implements Watcher {
  /** The version last sent per room: anything at or below it is dropped. */
  private readonly sent = new Map<string, number>();
  private readonly pending = new Map<string, WatchChange>();
  /** Bytes of entries in `pending`; bounded by MAX_PENDING_BYTES (see deliver). */
  private pendingBytes = 0;
  private ready = false;
  private blocked = false;
  private closed = false;
  private lastWrite = Date.now();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly call: WatchCall,
    private readonly hub: WatchHub,
    private readonly roomIds: string[],
    private readonly progressMs: number,
    private readonly onClose: (s: WatchSession) => void,
  ) {
    call.on("cancelled", () => this.close());
    call.on("close", () => this.close());
    call.on("error", () => this.close());
  }

  /** Subscribes before reading versions, so no change falls between the read and the subscription. */
  async start(versions: (ids: string[]) => Promise<number[]>, known: Map<string, number>): Promise<void> {
    await this.hub.join(this, this.roomIds);
    const current = await versions(this.roomIds);
    if (this.closed) return;
    this.hub.noteVersions(this.roomIds, current);
    const rooms = this.roomIds.map((roomId, i) => ({ roomId, version: current[i] }));
    this.write({ created: { rooms, requestId: 0, prefix: "", namespace: "" } });
    this.roomIds.forEach((id, i) => {
      this.sent.set(id, current[i]);
      const have = known.get(id) ?? 0;
      if (have !== current[i]) this.write({ change: toRoomChange(resync(id, have, current[i])) });
      else if (this.hub.mayDiffer(id, have)) {
        // Same number, maybe not the same history (a failover lost writes and the version was reused):
        // a RESYNC down to 0 makes the client refetch the room whatever it holds.
        this.write({ change: toRoomChange(resync(id, have, 0)) });
        this.sent.set(id, 0);
      }
      // What was delivered before this read is at most as new as the read (a RESYNC from a re-read that
      // began earlier may even be older): only what is newer is still news.
      const waiting = this.pending.get(id);
      if (waiting && waiting.version <= current[i]) this.dropPending(id);
    });
    this.ready = true;
    this.flush();
    this.timer = setInterval(() => this.tick(), Math.max(50, this.progressMs / 2));
  }

  deliver(change: WatchChange): void {
    if (this.closed || !this.isNews(change)) return;
    const waiting = this.pending.get(change.roomId);
    // A merge must not hide a version going down (lost writes: the client refetches the whole room on
    // it) behind a change the client would skip as not newer than what it has.
    const keepDown = waiting && waiting.version < waiting.previousVersion && change.version <= waiting.previousVersion;
    if (!keepDown) {
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
    if (this.ready && !this.blocked) this.flush();
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
      this.dropPending(roomId);
      if (!this.isNews(change)) continue;
      const sent = this.sent.get(roomId);
      this.sent.set(roomId, change.version);
      // A change that does not follow what this stream sent (the feed lost messages while it
      // reconnected) goes out as a RESYNC from the stream's version: on one stream, every change's
      // previous_version is the version sent before it for that room. It keeps the change's agent
      // fields: they are the room's state at change.version.
      const next = sent === undefined || change.previousVersion === sent
        ? change : { ...resync(roomId, sent, change.version), agent: change.agent };
      this.write(encodedChange(next));
    }
  }

  private write(response: WatchResponse | Encoded): void {
    this.lastWrite = Date.now();
    // An Encoded passes the service's response serialiser untouched (src/server/server.ts).
    if (this.call.write(response as WatchResponse) || this.blocked) return;
    this.blocked = true; // one drain listener however many writes wait for it
    this.call.once("drain", () => {
      this.blocked = false;
      this.flush();
    });
  }

  /**
   * Runs every half interval, so an idle stream hears within 1 to 1.5 intervals of its last message.
   * Progress vouches that nothing was missed: it is withheld while the hub cannot vouch for one of the
   * stream's rooms (its subscription is being restored), so a subscription that stays lost shows as
   * silence and the client's watchdog reconnects.
   */
  private tick(): void {
    if (this.blocked || Date.now() - this.lastWrite < this.progressMs) return;
    if (this.hub.confirmed(this.roomIds)) this.write({ progress: { sentAt: nowInstant(), watermark: undefined, requestId: 0 } });
  }

  /** The one place a stream's resources are released. */
  private close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.pending.clear();
    this.pendingBytes = 0;
    this.hub.leave(this, this.roomIds);
    this.onClose(this);
  }
}
