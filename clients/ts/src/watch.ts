/**
 * WatchStream: the Watch RPC as an async iterator of RoomChange that outlives its streams. It keeps a
 * cursor per room (the version it has delivered) and, when a stream fails (server restart, lost
 * connection, or silence past three progress intervals), opens a new one with those cursors after a
 * jittered backoff. The server then reports whatever was missed as a RESYNC from the cursor, so no
 * version is lost and none is delivered twice.
 */
import { status, type ClientReadableStream } from "@grpc/grpc-js";
import { ChangeKind, type RoomChange } from "./gen/roomhistory/v1/change.js";
import {
  WatchRequest, type RoomHistoryServiceClient, type RoomVersion, type WatchResponse,
} from "./gen/roomhistory/v1/room_history_service.js";
import { Backoff, backoffOptions, resumeDelay, sleep, type BackoffOptions } from "./backoff.js";
import { RoomHistoryError, UnavailableError, toRoomHistoryError } from "./errors.js";

/** Rooms to watch: ids (nothing held yet) or cursors with the version already held. */
export type WatchRooms = readonly string[] | readonly { roomId: string; knownVersion?: number }[];

/** Settings of one watch. */
export interface WatchOptions {
  /** progressIntervalMs is how often an idle stream gets `progress`; default 5000 (server clamps to 100..60000). */
  progressIntervalMs?: number;
  /** backoff tunes the waits between reconnects; defaults to the client's. */
  backoff?: Partial<BackoffOptions>;
  /** signal ends the iteration when aborted. */
  signal?: AbortSignal;
  /**
   * onCreated is called when a stream is confirmed, in order with the changes, with every room's
   * current version; `resumed` is false for the first stream only.
   */
  onCreated?: (rooms: RoomVersion[], resumed: boolean) => void;
  /** onReconnect is called when a stream failed and a new one will be opened after `delayMs`. */
  onReconnect?: (err: RoomHistoryError, delayMs: number) => void;
  /** maxBuffered is how many undelivered changes pause the stream (the server then merges them). Default 256. */
  maxBuffered?: number;
}

type Item = { change: RoomChange } | { created: RoomVersion[]; resumed: boolean };
type EndReason = RoomHistoryError | "restart";

/** How often an idle watch stream gets `progress` unless told otherwise: 5000 ms (Python: 5.0 s). */
export const DEFAULT_PROGRESS_INTERVAL_MS = 5000;
/** A stream with no message at all for this many progress intervals is taken for dead. */
const SILENT_INTERVALS = 3;

/**
 * A resuming watch. Iterate it with `for await`; versions per room strictly increase across the whole
 * iteration. A change whose previousVersion is not the version you hold (a RESYNC, or a merged change)
 * means you missed something: fetch the room. Breaking out of the loop (or close()) cancels the call.
 * Errors that retrying cannot fix (anything but UNAVAILABLE: INVALID_ARGUMENT, RESOURCE_EXHAUSTED,
 * INTERNAL, ...) end the iteration by throwing, except a RESOURCE_EXHAUSTED with a RetryInfo (the token's
 * cap on open watches), reopened after the server's delay; see resumeDelay() in backoff.ts.
 *
 * One exception to "strictly increase": if the server's store lost a room (a Redis restart without
 * persistence), the room's version goes back and the stream delivers a RESYNC with version lower than
 * previousVersion; the cursor follows it.
 */
export class WatchStream implements AsyncIterableIterator<RoomChange> {
  private readonly cursors = new Map<string, number>();
  private readonly buffer: Item[] = [];
  private readonly progressMs: number;
  private readonly maxBuffered: number;
  private readonly backoff: BackoffOptions;
  private call?: ClientReadableStream<WatchResponse>;
  private endReason?: EndReason;
  private failure?: RoomHistoryError;
  private started = false;
  private closed = false;
  private paused = false;
  private streams = 0;
  private watchdog?: NodeJS.Timeout;
  private wakeConsumer?: () => void;
  private interrupt = new AbortController();
  /** reconnects counts the streams that failed and were reopened. */
  reconnects = 0;

  /** Use RoomHistoryClient.watch(). */
  constructor(
    private readonly raw: RoomHistoryServiceClient,
    rooms: WatchRooms,
    private readonly options: WatchOptions,
    private readonly onClose: (stream: WatchStream) => void = () => undefined,
  ) {
    for (const c of toCursors(rooms)) this.cursors.set(c.roomId, c.knownVersion);
    this.progressMs = Math.min(60_000, Math.max(100, options.progressIntervalMs || DEFAULT_PROGRESS_INTERVAL_MS));
    this.maxBuffered = Math.max(1, options.maxBuffered ?? 256);
    this.backoff = backoffOptions(options.backoff);
    options.signal?.addEventListener("abort", () => this.close(), { once: true });
  }

  /** The version delivered for a room (its cursor); undefined for a room not watched. */
  cursor(roomId: string): number | undefined {
    return this.cursors.get(roomId);
  }

  /** The rooms watched. */
  get rooms(): string[] {
    return [...this.cursors.keys()];
  }

  /** Follows more rooms: the stream is reopened with them (rooms already watched keep their cursor). */
  add(rooms: WatchRooms): void {
    const added = toCursors(rooms).filter((c) => !this.cursors.has(c.roomId));
    for (const c of added) this.cursors.set(c.roomId, c.knownVersion);
    if (added.length) this.reopen();
  }

  /** Stops following rooms: the stream is reopened without them. */
  remove(roomIds: Iterable<string>): void {
    let removed = false;
    for (const id of roomIds) removed = this.cursors.delete(id) || removed;
    if (removed) this.reopen();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** The next change, waiting for one; throws the error that ended the watch, if one did. */
  async next(): Promise<IteratorResult<RoomChange>> {
    this.start();
    for (;;) {
      const item = this.buffer.shift();
      if (item) {
        this.resumeIfDrained();
        if ("change" in item) return { value: item.change, done: false };
        this.options.onCreated?.(item.created, item.resumed);
        continue;
      }
      if (this.failure) {
        const failure = this.failure;
        this.failure = undefined;
        this.close();
        throw failure;
      }
      if (this.closed) return { value: undefined, done: true };
      await new Promise<void>((resolve) => (this.wakeConsumer = resolve));
    }
  }

  /** Called by `break` in a for-await loop: cancels the call. */
  return(): Promise<IteratorResult<RoomChange>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  /** Ends the watch: cancels the call, stops reconnecting and ends the iteration. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.buffer.length = 0;
    if (this.call) {
      this.endReason = new RoomHistoryError(status.CANCELLED, "watch closed");
      this.call.cancel();
    }
    this.poke();
    this.wake();
    this.onClose(this);
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    this.run().catch((err: unknown) => {
      // Only a throwing onReconnect callback gets here: end the iteration with it rather than hang.
      this.failure = toRoomHistoryError(err);
      this.wake();
    });
  }

  /** The resume loop: one stream at a time, backoff between failed ones. */
  private async run(): Promise<void> {
    const backoff = new Backoff(this.backoff);
    while (!this.closed) {
      if (this.cursors.size === 0) {
        await sleep(2 ** 31 - 1, this.interrupt.signal); // until add() or close()
        continue;
      }
      const { reason, confirmed } = await this.openOnce();
      if (this.closed) break;
      if (confirmed) backoff.reset();
      if (reason === "restart") continue;
      const delay = resumeDelay(reason, backoff.next());
      if (delay === undefined) {
        this.failure = reason;
        this.wake();
        return;
      }
      this.reconnects++;
      this.options.onReconnect?.(reason, delay);
      await sleep(delay, this.interrupt.signal);
    }
  }

  /** Opens one stream with the current cursors; resolves when it ends, with why. */
  private openOnce(): Promise<{ reason: EndReason; confirmed: boolean }> {
    const rooms = [...this.cursors].map(([roomId, knownVersion]) => ({ roomId, knownVersion }));
    const call = this.raw.watch(WatchRequest.fromPartial({ rooms, progressIntervalMs: this.progressMs }));
    this.call = call;
    this.endReason = undefined;
    this.paused = false;
    this.arm();
    let confirmed = false;
    return new Promise((resolve) => {
      const settle = (err: RoomHistoryError) => {
        if (this.call !== call) return;
        this.call = undefined;
        clearTimeout(this.watchdog);
        resolve({ reason: this.endReason ?? err, confirmed });
      };
      call.on("data", (res: WatchResponse) => {
        if (this.call !== call) return; // a late message of a stream already given up: the next one covers it
        confirmed ||= res.created !== undefined;
        this.receive(res);
      });
      call.on("error", (err) => settle(toRoomHistoryError(err)));
      call.on("status", (s: { code: status }) => {
        if (s.code === status.OK) settle(new UnavailableError(status.UNAVAILABLE, "watch stream ended by the server"));
      });
    });
  }

  private receive(res: WatchResponse): void {
    this.arm();
    if (res.created) this.push({ created: res.created.rooms, resumed: this.streams++ > 0 });
    else if (res.change && advanceCursor(this.cursors, res.change)) this.push({ change: res.change });
  }


  /** Buffers an item; a full buffer pauses the stream so HTTP/2 flow control slows the server. */
  private push(item: Item): void {
    this.buffer.push(item);
    if (this.buffer.length >= this.maxBuffered && !this.paused && this.call) {
      this.paused = true;
      clearTimeout(this.watchdog); // silence is ours while paused, not the server's
      this.call.pause();
    }
    this.wake();
  }

  private resumeIfDrained(): void {
    if (!this.paused || this.buffer.length > this.maxBuffered / 2) return;
    this.paused = false;
    this.arm();
    this.call?.resume();
  }

  /** (Re)starts the dead-stream timer: any message, progress included, proves the stream alive. */
  private arm(): void {
    clearTimeout(this.watchdog);
    if (this.paused || !this.call) return;
    const call = this.call;
    const silentMs = SILENT_INTERVALS * this.progressMs;
    this.watchdog = setTimeout(() => {
      if (this.call !== call) return;
      this.endReason = new UnavailableError(status.UNAVAILABLE, `no message for ${silentMs} ms; reconnecting`);
      call.cancel();
    }, silentMs);
  }

  private reopen(): void {
    if (this.call) {
      this.endReason = "restart";
      this.call.cancel();
    }
    this.poke();
  }

  /** Cuts a backoff wait short. */
  private poke(): void {
    this.interrupt.abort();
    this.interrupt = new AbortController();
  }

  private wake(): void {
    const wake = this.wakeConsumer;
    this.wakeConsumer = undefined;
    wake?.();
  }
}

function toCursors(rooms: WatchRooms): { roomId: string; knownVersion: number }[] {
  return rooms.map((r) =>
    typeof r === "string" ? { roomId: r, knownVersion: 0 } : { roomId: r.roomId, knownVersion: r.knownVersion ?? 0 },
  );
}

/**
 * Moves the room's cursor to the change and says whether to deliver it: false for a change already
 * delivered or a room not watched. The rules are clients/testdata/watch-vectors.json (`cursors`).
 */
export function advanceCursor(cursors: Map<string, number>, c: RoomChange): boolean {
  const cursor = cursors.get(c.roomId);
  if (cursor === undefined) return false;
  const lost = c.kind === ChangeKind.CHANGE_KIND_RESYNC && c.previousVersion === cursor && c.version < cursor;
  if (c.version <= cursor && !lost) return false;
  cursors.set(c.roomId, c.version);
  return true;
}
