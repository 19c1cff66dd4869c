/**
 * RoomMirror: the windows of the rooms a worker follows, kept in memory from ONE watch stream. A change
 * that continues the mirror's version is applied as it comes (an expiry or a deletion empties the copy);
 * anything else (a gap, a RESYNC, omitted messages, a kind this client does not know) is settled with one
 * GetHistory read, in pages at one version (paging.ts). A metadata change (CHANGE_KIND_METADATA) moves
 * the version and leaves the messages; a room replaced by ImportRooms (CHANGE_KIND_IMPORTED) is read
 * again whole. Either way "changed" is emitted with the change. The rules are in window.ts. No polling:
 * an idle room costs nothing. It replaces the legacy per-worker ConversationManager and its
 * ensure_fresh_from_redis polling.
 */
import { EventEmitter } from "node:events";
import { ChangeKind, type RoomChange } from "./gen/roomhistory/v1/change.js";
import type { Message } from "./gen/roomhistory/v1/message.js";
import type * as pb from "./gen/roomhistory/v1/room_history_service.js";
import { retryUntilAborted } from "./backoff.js";
import { CompactionWatch } from "./compaction-watch.js";
import type { CallOptions, PartialRequest, RoomHistoryClient } from "./client.js";
import { cancelledError, RoomNotFollowedError, VersionConflictError } from "./errors.js";
import type { WatchSelector } from "./watch-cursors.js";
import { MirroredRoom } from "./mirror-room.js";
import { DEFAULT_PAGE_SIZE, readWindow } from "./paging.js";
import { afterFetch, nextStep } from "./window.js";
import type { WatchStream } from "./watch.js";

/** Settings of a RoomMirror. */
export interface RoomMirrorOptions {
  /** progressIntervalMs of the watch stream; a dead stream is noticed after three of them. Default 5000. */
  progressIntervalMs?: number;
  /** maxConcurrentFetches bounds the GetHistory calls in flight (e.g. after a reconnect). Default 8. */
  maxConcurrentFetches?: number;
  /**
   * pageSize is the messages per GetHistory page when a room is (re)loaded; a room is read page by page
   * at one version (see paging.ts), so no reply exceeds the server's reply limit. Default 200.
   */
  pageSize?: number;
}

/** What a "changed" listener receives. */
export interface RoomChangedEvent {
  /** roomId is the room that changed. */
  roomId: string;
  /** version is the mirror's version of the room after the change. */
  version: number;
  /** change is the change that caused it (for a refetch, the one that revealed the gap). */
  change: RoomChange;
  /** refetched is true when the window was fetched with GetHistory rather than patched from the change. */
  refetched: boolean;
}

/**
 * Settings of one RoomMirror.render: the call's (timeoutMs, signal) and RenderMessagesRequest's render
 * options (form, includeThinking, format, senderStyle, idMarkers, maxTokens, encoding, memoryBank,
 * memoryBankMaxTokens, ...), as for RoomHistoryClient.renderMessages.
 */
export type RenderOptions = CallOptions & Omit<PartialRequest<pb.RenderMessagesRequest>, "roomId" | "roomContext" | "template">;

/** Settings of one RoomMirror.append. */
export interface MirrorAppendOptions extends CallOptions {
  /** idempotencyKey of the append; by default a new random key, which the client's retries reuse. */
  idempotencyKey?: string;
  /** durability of the append (replicas to wait for); by default the server's. */
  durability?: PartialRequest<pb.Durability>;
}

/** The events a RoomMirror emits. */
export interface RoomMirrorEvents {
  /** changed: a room's window moved to a new version. */
  changed: [RoomChangedEvent];
  /**
   * warning: a failure the mirror recovers from by itself (the watch reconnecting, a fetch retried): the
   * error as thrown (a RoomHistoryError for a failed call) and what the mirror does about it.
   */
  warning: [Error, string];
  /** error: the mirror stopped (the watch failed for good, e.g. an invalid room id); it is closed. */
  error: [Error];
  /**
   * needsCompaction: a room with agent options crossed its compaction threshold: the watched change on
   * which needsCompaction turned true, emitted once the copy holds it (once per crossing: after a
   * compaction brings the room back under, the next crossing emits again).
   */
  needsCompaction: [RoomChange];
}

/**
 * A live, in-memory copy of the windows of some rooms.
 *
 * ```ts
 * const mirror = new RoomMirror(client, ["room-a"]);
 * mirror.on("changed", (e) => console.log(e.roomId, e.version));
 * const messages = await mirror.getMessages("room-a");
 * ```
 */
export class RoomMirror extends EventEmitter<RoomMirrorEvents> {
  private readonly rooms = new Map<string, MirroredRoom>();
  private readonly stream: WatchStream;
  private readonly closing = new AbortController();
  private readonly maxFetches: number;
  private readonly pageSize: number;
  private fetching = 0;
  private readonly fetchQueue: (() => void)[] = [];
  private readonly compaction = new CompactionWatch();
  /** The changes that came from the watch (the mirror's own appends and reads make their own). */
  private readonly watched = new WeakSet<RoomChange>();

  /** Starts following `roomIds` at once; await ready() or getMessages() for the first load. */
  constructor(
    private readonly client: RoomHistoryClient, roomIds: readonly string[] = [], options: RoomMirrorOptions = {},
  ) {
    super();
    this.maxFetches = Math.max(1, options.maxConcurrentFetches ?? 8);
    this.pageSize = Math.max(1, options.pageSize ?? DEFAULT_PAGE_SIZE);
    for (const id of roomIds) this.addRoom(id);
    // Cursors start at 0: the server answers every room that has history with a RESYNC, which loads it.
    this.stream = client.watch([...this.rooms.keys()], {
      progressIntervalMs: options.progressIntervalMs,
      // A room a prefix or namespace selector found joins the mirror here (the watch follows it already).
      onCreated: (versions) => versions.forEach((v) => {
        if (!this.rooms.has(v.roomId) && this.stream.cursor(v.roomId) !== undefined) this.addRoom(v.roomId);
        this.rooms.get(v.roomId)?.setTarget(v.version);
      }),
      onReconnect: (err, delayMs) => this.warn(err, `watch reconnecting in ${Math.round(delayMs)} ms`),
      // A room the server will not follow (an invalid id, out of scope, past the limit) fails alone.
      onCancelled: (c) => c.roomId && this.forgetRoom(c.roomId, cancelledError(c)),
    });
    void this.pump();
  }

  /** Follows more rooms (on the same stream); resolves once they are loaded. */
  async follow(...roomIds: string[]): Promise<void> {
    if (this.closing.signal.aborted) throw new Error("mirror closed");
    const added = roomIds.filter((id) => !this.rooms.has(id));
    for (const id of added) this.addRoom(id);
    this.stream.add(added);
    await Promise.all(roomIds.map((id) => this.room(id).whenLoaded()));
  }

  /**
   * Holds every room whose id starts with `prefix`, or of `namespace`, now and later (rooms created or
   * moved in join the mirror as the server finds them; a room that leaves the namespace is dropped, and
   * getMessages on it then throws RoomNotFollowedError). Resolves once the rooms there are now are loaded.
   */
  async followSelector(selector: WatchSelector): Promise<void> {
    if (this.closing.signal.aborted) throw new Error("mirror closed");
    this.stream.follow(selector);
    // The server answers requests in order: once this progress is back, the selector's rooms are on the stream.
    await this.stream.requestProgress();
    const found = this.stream.rooms.filter((id) => !this.rooms.has(id));
    for (const id of found) this.addRoom(id);
    await Promise.all(found.map((id) => this.room(id).whenLoaded()));
  }

  /** Stops following a selector and forgets the rooms only it brought in. */
  unfollowSelector(selector: WatchSelector): void {
    const before = new Set(this.rooms.keys());
    this.stream.unfollow(selector);
    const gone = [...before].filter((id) => this.stream.cursor(id) === undefined);
    for (const id of gone) this.forgetRoom(id);
  }

  /** Drops a room's window; whoever waits on it gets `err`. */
  private forgetRoom(roomId: string, err: Error = new RoomNotFollowedError(roomId)): void {
    this.rooms.get(roomId)?.fail(err);
    this.rooms.delete(roomId);
    this.compaction.forget(roomId);
  }

  /** Stops following rooms and forgets their windows. */
  unfollow(...roomIds: string[]): void {
    for (const id of roomIds) this.forgetRoom(id);
    this.stream.remove(roomIds);
  }

  /** Whether the room's latest watched change said it needs compaction (rooms with agent options). */
  needsCompaction(roomId: string): boolean {
    return this.compaction.totals(roomId).needsCompaction;
  }

  /** The room's token total as its latest watched change reported it (rooms with agent options). */
  tokenCount(roomId: string): number {
    return this.compaction.totals(roomId).tokenCount;
  }

  /** The rooms followed. */
  roomIds(): string[] {
    return [...this.rooms.keys()];
  }

  /** Resolves once every followed room is loaded. */
  async ready(): Promise<void> {
    await Promise.all([...this.rooms.values()].map((r) => r.whenLoaded()));
  }

  /** The room's window, oldest first, from memory (after its first load). Do not mutate it. */
  async getMessages(roomId: string): Promise<readonly Message[]> {
    const room = this.room(roomId);
    await room.whenLoaded();
    return room.messages;
  }

  /** The version the mirror holds of a room; 0 before its first load. */
  version(roomId: string): number {
    return this.room(roomId).version;
  }

  /**
   * Resolves once the mirror holds `version` (or later) of the room; after `timeoutMs`, if given, rejects
   * with a DOMException named "TimeoutError" (as AbortSignal.timeout does; Python raises TimeoutError).
   */
  waitForVersion(roomId: string, version: number, timeoutMs?: number): Promise<void> {
    const wait = this.room(roomId).waitFor(version);
    if (timeoutMs === undefined) return wait;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      const message = `room ${roomId} did not reach version ${version} in ${timeoutMs} ms`;
      const late = () => reject(new DOMException(message, "TimeoutError"));
      timer = setTimeout(late, timeoutMs);
    });
    return Promise.race([wait, timeout]).finally(() => clearTimeout(timer));
  }

  /**
   * RenderMessages for the room (rendered by the server, from its newest version), as `messages` or,
   * with `form: RenderForm.RENDER_FORM_JSON`, as `messagesJson`.
   */
  render(
    roomId: string, context?: Record<string, unknown>, template?: string, opts: RenderOptions = {},
  ): Promise<pb.RenderMessagesResponse> {
    const { timeoutMs, signal, ...options } = opts;
    return this.client.renderMessages({ ...options, roomId, roomContext: context, template }, { timeoutMs, signal });
  }

  /**
   * Appends on condition that nobody wrote since the mirror's version (expected_version), and resolves
   * once the mirror holds the append, so getMessages() shows it. On VersionConflictError the mirror
   * first catches up to the conflicting version and then rethrows: the caller sees the newer history
   * in getMessages() and decides whether to append again. The append carries an idempotency key, so the
   * client retries it safely after UNAVAILABLE (see RoomHistoryClient.appendMessages).
   */
  async append(
    roomId: string, messages: PartialRequest<Message>[], opts: MirrorAppendOptions = {},
  ): Promise<pb.AppendMessagesResponse> {
    const room = this.room(roomId);
    await room.whenLoaded();
    const { idempotencyKey, durability, ...callOpts } = opts;
    let res: pb.AppendMessagesResponse;
    try {
      const req = { roomId, messages, expectedVersion: room.version, idempotencyKey, durability };
      res = await this.client.appendMessages(req, callOpts);
    } catch (err) {
      if (err instanceof VersionConflictError) await this.catchUp(room, err.currentVersion);
      throw err;
    }
    // Applied at once when nothing came in between; otherwise the watch or a fetch brings it.
    room.enqueue({
      roomId, version: res.version, previousVersion: res.version - 1, kind: ChangeKind.CHANGE_KIND_APPEND,
      messages: res.messages, messagesOmitted: false, trimmed: res.trimmed,
      replacedThroughSeq: 0, tokenCount: 0, needsCompaction: false,
    });
    await room.waitFor(res.version);
    return res;
  }

  /** Stops the watch; pending waits reject. */
  close(): void {
    this.shutdown(new Error("mirror closed"));
  }

  /** The one place the mirror stops: whoever waits on a room gets `reason`. */
  private shutdown(reason: Error): void {
    if (this.closing.signal.aborted) return;
    this.closing.abort();
    this.stream.close();
    for (const room of this.rooms.values()) room.fail(reason);
  }

  private addRoom(roomId: string): void {
    this.rooms.set(roomId, new MirroredRoom(roomId, (room, change) => this.process(room, change)));
  }

  private room(roomId: string): MirroredRoom {
    const room = this.rooms.get(roomId);
    if (!room) throw new RoomNotFollowedError(roomId);
    return room;
  }

  /** Feeds the one watch stream into the rooms' queues. */
  private async pump(): Promise<void> {
    try {
      for await (const change of this.stream) {
        this.watched.add(change);
        this.rooms.get(change.roomId)?.enqueue(change);
      }
    } catch (err) {
      if (this.closing.signal.aborted) return;
      this.shutdown(err as Error);
      if (this.listenerCount("error") > 0) this.emit("error", err as Error);
    }
  }

  /** Brings a room to at least `version` through its queue (a RESYNC forces a fetch). */
  private async catchUp(room: MirroredRoom, version: number): Promise<void> {
    if (!(version > room.version)) return;
    room.enqueue({
      roomId: room.roomId, version, previousVersion: room.version, kind: ChangeKind.CHANGE_KIND_RESYNC,
      messages: [], messagesOmitted: true, trimmed: 0,
      replacedThroughSeq: 0, tokenCount: 0, needsCompaction: false,
    });
    await room.waitFor(version).catch(() => undefined);
  }

  /**
   * One change of one room, in order: skip it, apply it, or read the room (window.ts decides which, and
   * whether a read of just the appended messages is exact).
   */
  private async process(room: MirroredRoom, change: RoomChange): Promise<void> {
    // Recorded first, so needsCompaction() says it when a waiter for this version wakes.
    const crossing = this.watched.has(change) && this.compaction.seen(change);
    let step = nextStep(room, change);
    let refetched = false;
    while (step.action === "fetch") {
      const afterSeq = step.afterSeq;
      const res = await retryUntilAborted(
        () => this.withFetchSlot(() => readWindow(this.client, room.roomId, afterSeq, this.pageSize)),
        this.client.backoff,
        this.closing.signal,
        (err, delayMs) => this.warn(err, `fetching room ${room.roomId} again in ${Math.round(delayMs)} ms`),
      );
      if (!res || this.closing.signal.aborted) return;
      refetched = true;
      step = afterFetch(room, change, afterSeq, res);
    }
    if (step.action === "apply") this.update(room, step.window.messages, step.window.version, change, refetched);
    if (crossing) this.emitSafely("needsCompaction", change);
  }

  private update(
    room: MirroredRoom, messages: readonly Message[], version: number, change: RoomChange, refetched: boolean,
  ): void {
    if (this.rooms.get(room.roomId) !== room) return; // unfollowed while fetching
    room.set(messages, version);
    this.emitSafely("changed", { roomId: room.roomId, version, change, refetched });
  }

  private emitSafely(event: "changed" | "needsCompaction", arg: RoomChangedEvent | RoomChange): void {
    try {
      (this.emit as (e: string, a: unknown) => boolean)(event, arg);
    } catch (err) {
      // A listener's bug must not stop the room from following its changes.
      this.warn(err as Error, `a "${event}" listener threw; the mirror goes on`);
    }
  }

  private warn(err: Error, action: string): void {
    if (this.listenerCount("warning") > 0) this.emit("warning", err, action);
  }

  /** Bounds concurrent fetches: after a reconnect every room may need one at once. */
  private async withFetchSlot<T>(fn: () => Promise<T>): Promise<T> {
    if (this.fetching < this.maxFetches) this.fetching++;
    else await new Promise<void>((resolve) => this.fetchQueue.push(resolve)); // the slot is handed over
    try {
      return await fn();
    } finally {
      const next = this.fetchQueue.shift();
      if (next) next();
      else this.fetching--;
    }
  }
}
