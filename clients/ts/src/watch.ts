/**
 * WatchStream: the WatchRooms RPC as an async iterator of RoomChange that outlives its streams. Rooms
 * and prefix or namespace selectors are added and removed on the open stream. It keeps a cursor per
 * room (the version it has delivered) and, when a stream fails (server restart, lost connection, or
 * silence past three progress intervals), opens a new one with those cursors and selectors after a
 * jittered backoff. The server then reports whatever was missed as a RESYNC from the cursor, so no
 * version is lost and none is delivered twice.
 */
import { status, type ClientDuplexStream } from "@grpc/grpc-js";
import { callMetadata } from "./tracing.js";
import type { RoomChange } from "./gen/roomhistory/v1/change.js";
import {
  WatchCancelReason, WatchRoomsRequest, type DeepPartial, type RoomHistoryServiceClient, type RoomVersion,
  type WatchCancelled, type WatchRoomsResponse,
} from "./gen/roomhistory/v1/room_history_service.js";
import { Backoff, backoffOptions, resumeDelay, sleep, type BackoffOptions } from "./backoff.js";
import { RoomHistoryError, UnavailableError, toRoomHistoryError } from "./errors.js";
import { advanceCursor, selectorKey, toCursors, type WatchRooms, type WatchSelector } from "./watch-cursors.js";

export { advanceCursor, type WatchRooms, type WatchSelector } from "./watch-cursors.js";

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
  /** versionsOnly: changes come without their messages (messagesOmitted true), for workers that only need to know. */
  versionsOnly?: boolean;
  /** selectors are prefix or namespace selectors to follow from the start (see WatchStream.follow). */
  selectors?: readonly WatchSelector[];
  /**
   * onCancelled is called when the server stops following (or refuses) a room or selector: an invalid
   * id, out of the token's scope, past the rooms limit, or a room that left a followed namespace. The
   * room's cursor is dropped; the iteration goes on.
   */
  onCancelled?: (cancelled: WatchCancelled) => void;
}

type Item = { change: RoomChange } | { created: RoomVersion[]; resumed: boolean };
type EndReason = RoomHistoryError;

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
  /** Selectors followed, by key; and which selector found each room it found (to re-add it under it). */
  private readonly selectors = new Map<string, WatchSelector>();
  private readonly foundBy = new Map<string, string>();
  private readonly progressWaiters = new Map<number, { resolve(mark: Date | undefined): void; reject(err: Error): void }>();
  private requestIds = 0;
  /** Waiting for a stream to open (requestProgress between streams); woken by openOnce and close. */
  private openWaiters: (() => void)[] = [];
  /** The newest watermark the server vouched for: every change committed before it has been received. */
  watermark?: Date;
  private readonly buffer: Item[] = [];
  private readonly progressMs: number;
  private readonly maxBuffered: number;
  private readonly backoff: BackoffOptions;
  private call?: ClientDuplexStream<WatchRoomsRequest, WatchRoomsResponse>;
  private endReason?: EndReason;
  private failure?: RoomHistoryError;
  private started = false;
  private closed = false;
  private paused = false;
  /** Streams opened, and whether the current one has answered yet. */
  private streams = 0;
  private createdSeen = false;
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
    for (const s of options.selectors ?? []) this.selectors.set(selectorKey(s), s);
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

  /** Follows more rooms on the open stream (rooms already watched keep their cursor). */
  add(rooms: WatchRooms): void {
    const added = toCursors(rooms).filter((c) => !this.cursors.has(c.roomId));
    for (const c of added) this.cursors.set(c.roomId, c.knownVersion);
    if (added.length) this.send({ add: { rooms: added, requestId: ++this.requestIds } });
  }

  /** Stops following rooms on the open stream. */
  remove(roomIds: Iterable<string>): void {
    const removed = [...roomIds].filter((id) => this.cursors.delete(id));
    for (const id of removed) this.foundBy.delete(id);
    if (removed.length) this.send({ remove: { roomIds: removed, requestId: ++this.requestIds } });
  }

  /**
   * Follows every room whose id starts with `prefix`, or of `namespace`, now and later (rooms created or
   * moved in after this call come with a `created`, then a RESYNC from 0 that loads them).
   */
  follow(selector: WatchSelector): void {
    const key = selectorKey(selector);
    if (this.selectors.has(key)) return;
    this.selectors.set(key, selector);
    this.send({ add: { ...selector, requestId: ++this.requestIds } });
  }

  /** Stops following a selector; the rooms only it found are dropped (their cursors with them). */
  unfollow(selector: WatchSelector): void {
    const key = selectorKey(selector);
    if (!this.selectors.delete(key)) return;
    for (const [id, by] of this.foundBy) if (by === key) this.forget(id);
    this.send({ remove: { ...selector, requestId: ++this.requestIds } });
  }

  /**
   * Asks the server for the stream's watermark now; resolves with it (undefined when the server cannot
   * vouch for one yet). Rejects with UnavailableError when the stream fails first.
   */
  async requestProgress(): Promise<Date | undefined> {
    // Between streams (or before the first), the request waits for the next one to open.
    while (!this.call) {
      if (this.closed) throw new UnavailableError(status.UNAVAILABLE, "the watch is closed");
      this.start();
      await new Promise<void>((resolve) => this.openWaiters.push(resolve));
    }
    const requestId = ++this.requestIds;
    return new Promise((resolve, reject) => {
      this.progressWaiters.set(requestId, { resolve, reject });
      this.send({ progress: { requestId } });
    });
  }

  /** Writes a request on the open stream; with none open, the next stream starts from the cursors. */
  private send(request: DeepPartial<WatchRoomsRequest>): void {
    if (this.call) this.call.write(WatchRoomsRequest.fromPartial(request));
    else this.poke();
  }

  private forget(roomId: string): void {
    this.cursors.delete(roomId);
    this.foundBy.delete(roomId);
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
    for (const wake of this.openWaiters.splice(0)) wake();
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
      if (this.cursors.size === 0 && this.selectors.size === 0) {
        await sleep(2 ** 31 - 1, this.interrupt.signal); // until add() or close()
        continue;
      }
      const { reason, confirmed } = await this.openOnce();
      if (this.closed) break;
      if (confirmed) backoff.reset();
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

  /**
   * Opens one stream with the current cursors and selectors (each room a selector found is added
   * again under it, so it stays that selector's); resolves when it ends, with why.
   */
  private openOnce(): Promise<{ reason: EndReason; confirmed: boolean }> {
    const call = this.raw.watchRooms(callMetadata());
    this.call = call;
    for (const wake of this.openWaiters.splice(0)) wake();
    this.streams++;
    this.createdSeen = false;
    const write = (r: DeepPartial<WatchRoomsRequest>) => call.write(WatchRoomsRequest.fromPartial(r));
    write({ options: { progressIntervalMs: this.progressMs, versionsOnly: this.options.versionsOnly ?? false } });
    const byId = [...this.cursors].filter(([id]) => !this.foundBy.has(id)).map(([roomId, knownVersion]) => ({ roomId, knownVersion }));
    if (byId.length) write({ add: { rooms: byId, requestId: ++this.requestIds } });
    for (const [key, selector] of this.selectors) {
      const rooms = [...this.foundBy].filter(([, by]) => by === key).map(([roomId]) => ({ roomId, knownVersion: this.cursors.get(roomId) ?? 0 }));
      write({ add: { ...selector, rooms, requestId: ++this.requestIds } });
    }
    this.endReason = undefined;
    this.paused = false;
    this.arm();
    let confirmed = false;
    return new Promise((resolve) => {
      const settle = (err: RoomHistoryError) => {
        if (this.call !== call) return;
        this.call = undefined;
        clearTimeout(this.watchdog);
        for (const w of this.progressWaiters.values()) w.reject(new UnavailableError(status.UNAVAILABLE, "the watch stream ended"));
        this.progressWaiters.clear();
        resolve({ reason: this.endReason ?? err, confirmed });
      };
      call.on("data", (res: WatchRoomsResponse) => {
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

  private receive(res: WatchRoomsResponse): void {
    this.arm();
    if (res.created) {
      const { prefix, namespace } = res.created;
      // Rooms a selector found are new to this stream: followed from version 0 (a RESYNC loads them).
      for (const r of res.created.rooms) {
        if (this.cursors.has(r.roomId) || !(prefix || namespace)) continue;
        this.cursors.set(r.roomId, 0);
        this.foundBy.set(r.roomId, selectorKey({ prefix, namespace }));
      }
      // `resumed`: the first answer of a stream after the first stream.
      this.push({ created: res.created.rooms, resumed: this.streams > 1 && !this.createdSeen });
      this.createdSeen = true;
    } else if (res.change && advanceCursor(this.cursors, res.change)) {
      this.push({ change: res.change });
    } else if (res.cancelled) {
      this.cancelled(res.cancelled);
    } else if (res.progress) {
      const mark = res.progress.watermark;
      if (mark) this.watermark = new Date(mark.seconds * 1000 + mark.nanos / 1e6);
      const waiter = this.progressWaiters.get(res.progress.requestId);
      this.progressWaiters.delete(res.progress.requestId);
      waiter?.resolve(mark ? this.watermark : undefined);
    }
  }

  private cancelled(c: WatchCancelled): void {
    if (c.roomId) this.forget(c.roomId);
    else if (c.reason !== WatchCancelReason.WATCH_CANCEL_REASON_REMOVED) this.selectors.delete(selectorKey(c));
    this.options.onCancelled?.(c);
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
