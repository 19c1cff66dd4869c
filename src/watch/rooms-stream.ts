import type { Logger } from "pino";
import {
  WatchCancelReason, type AddRooms, type RemoveRooms, type WatchRoomsRequest,
} from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import { inScope } from "../auth/rights.js";
import { requestScope } from "../auth/scope.js";
import { DomainError, invalid } from "../domain/errors.js";
import type { HistoryStore, RoomAnnouncement, RoomQuery } from "../store/store.js";
import { checkRoomId, type Limits } from "../wire/validate.js";
import type { AnnouncementListener, WatchHub } from "./hub.js";
import { progressInterval, type Cursor, type WatchSession } from "./session.js";

/** Prefix and namespace selectors one stream may hold. */
export const MAX_SELECTORS = 16;
/**
 * How often a stream with selectors lists their rooms again: the safety net for an announcement lost
 * while its connection stayed up (a cluster node that failed before relaying a PUBLISH). A room found
 * so is announced late, never missed.
 */
const RELIST_MS = 30_000;
const LIST_PAGE = 1000;

interface Selector {
  key: string;
  prefix: string;
  namespace: string;
  requestId: number;
}

interface Refusal {
  reason: WatchCancelReason;
  message: string;
}

/**
 * One WatchRooms stream's protocol over its session: AddRooms, RemoveRooms, ProgressRequest and
 * WatchOptions in the order they come, and prefix and namespace selectors kept current from room
 * announcements. Adds (the client's and the selectors') run one at a time, so each gets its own
 * `created` and a room is never joined twice at once.
 */
export class RoomsStream implements AnnouncementListener {
  private readonly selectors = new Map<string, Selector>();
  private chain: Promise<void> = Promise.resolve();
  private following = false;
  private relistTimer?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly session: WatchSession,
    private readonly hub: WatchHub,
    private readonly store: HistoryStore,
    private readonly limits: Limits,
    private readonly logger: Logger,
  ) {}

  /** Answers one request; throws a DomainError (ending the stream) for a malformed one. */
  async handle(request: WatchRoomsRequest): Promise<void> {
    const scope = requestScope(request);
    if (request.add) {
      const add = request.add;
      if (add.rooms.length === 0 && !add.prefix && !add.namespace) {
        throw invalid("add", "at least one of rooms, prefix and namespace must be set");
      }
      return this.enqueue(() => this.add(add, scope));
    }
    if (request.remove) {
      const remove = request.remove;
      if (remove.roomIds.length === 0 && !remove.prefix && !remove.namespace) {
        throw invalid("remove", "at least one of room_ids, prefix and namespace must be set");
      }
      return this.enqueue(async () => this.remove(remove));
    }
    if (request.progress) {
      // Awaited, so that a client that half-closes right after asking still gets its answer.
      await this.session.progress(request.progress.requestId, true);
      return;
    }
    if (request.options) {
      const { progressIntervalMs, versionsOnly } = request.options;
      this.session.setOptions({ progressMs: progressInterval(progressIntervalMs), versionsOnly });
      return;
    }
    throw invalid("request", "one of add, remove, progress and options must be set");
  }

  /** Runs after every add and remove queued before it; a failure ends nothing but is logged. */
  private enqueue(op: () => Promise<void>): Promise<void> {
    const run = this.chain.then(() => (this.closed ? undefined : op()));
    this.chain = run.catch((err: unknown) => {
      if (!(err instanceof DomainError)) this.logger.warn({ err: (err as Error).message }, "watch stream update failed");
    });
    return run;
  }

  private async add(add: AddRooms, scope: readonly string[] | undefined): Promise<void> {
    const answer = { requestId: add.requestId, prefix: "", namespace: "" };
    const accepted: Cursor[] = [];
    const seen = new Set<string>();
    add.rooms.forEach((r, i) => {
      if (seen.has(r.roomId)) return;
      seen.add(r.roomId);
      const refusal = this.refuseRoom(r.roomId, `add.rooms[${i}].room_id`, scope, accepted.length);
      if (refusal) this.cancel({ roomId: r.roomId, ...refusal, requestId: add.requestId });
      else accepted.push({ roomId: r.roomId, knownVersion: r.knownVersion });
    });
    const selectors = [
      add.prefix ? this.selectorOf("p", add.prefix, "", add, scope) : undefined,
      add.namespace ? this.selectorOf("n", "", add.namespace, add, scope) : undefined,
    ].filter((s): s is Selector => s !== undefined);
    for (const sel of selectors) await this.startSelector(sel);
    // Rooms the add names that its selector covers are followed for the selector: removing it, or the
    // room leaving the namespace, cancels them.
    for (const c of accepted) {
      const sel = selectors.find((s) => matches(s, c.roomId, undefined));
      if (sel) c.source = sel.key;
    }
    for (const sel of selectors) accepted.push(...this.collect(sel, await this.list(sel), accepted));
    await this.session.add(accepted, { ...answer, prefix: add.prefix, namespace: add.namespace });
  }

  /** Why a room cannot be added, or undefined. `adding`: rooms this add has accepted so far. */
  private refuseRoom(roomId: string, field: string, scope: readonly string[] | undefined, adding: number): Refusal | undefined {
    try {
      checkRoomId(roomId, field);
    } catch (err) {
      return { reason: WatchCancelReason.WATCH_CANCEL_REASON_INVALID_ROOM_ID, message: (err as Error).message };
    }
    if (scope && !inScope(scope, roomId)) {
      return { reason: WatchCancelReason.WATCH_CANCEL_REASON_OUT_OF_SCOPE, message: `${roomId} is outside the token's rooms` };
    }
    if (!this.session.follows(roomId) && this.session.roomCount + adding >= this.limits.maxWatchRooms) {
      return this.roomLimit();
    }
    return undefined;
  }

  private roomLimit(): Refusal {
    return { reason: WatchCancelReason.WATCH_CANCEL_REASON_LIMIT, message: `the stream already follows ${this.limits.maxWatchRooms} rooms, the most allowed` };
  }

  /** The add's selector, or undefined when it is refused (answered with a `cancelled`). */
  private selectorOf(kind: "p" | "n", prefix: string, namespace: string, add: AddRooms, scope: readonly string[] | undefined): Selector | undefined {
    const key = `${kind}:${prefix || namespace}`;
    const refuse = (reason: WatchCancelReason, message: string) => {
      this.cancel({ prefix, namespace, reason, message, requestId: add.requestId });
      return undefined;
    };
    if (kind === "p") {
      try {
        checkRoomId(prefix, "add.prefix");
      } catch (err) {
        return refuse(WatchCancelReason.WATCH_CANCEL_REASON_INVALID_ROOM_ID, (err as Error).message);
      }
    }
    // A selector follows rooms not yet created: the token must cover every room it could find.
    const covered = !scope || (kind === "p" ? scope.some((p) => prefix.startsWith(p)) : scope.includes(""));
    if (!covered) return refuse(WatchCancelReason.WATCH_CANCEL_REASON_OUT_OF_SCOPE, `the token does not cover every room ${kind === "p" ? `starting with ${prefix}` : `of namespace ${namespace}`}`);
    const existing = this.selectors.get(key);
    if (existing) return existing;
    if (this.selectors.size >= MAX_SELECTORS) {
      return refuse(WatchCancelReason.WATCH_CANCEL_REASON_LIMIT, `the stream already has ${MAX_SELECTORS} selectors, the most allowed`);
    }
    return { key, prefix, namespace, requestId: add.requestId };
  }

  /** Follows announcements before listing, so a room created meanwhile is found one way or the other. */
  private async startSelector(sel: Selector): Promise<void> {
    if (this.selectors.has(sel.key)) return;
    this.selectors.set(sel.key, sel);
    if (!this.following) {
      this.following = true;
      await this.hub.followAnnouncements(this);
      this.relistTimer = setInterval(() => this.relist(), RELIST_MS);
      this.relistTimer.unref();
    }
  }

  private async list(sel: Selector): Promise<string[]> {
    const query: RoomQuery = sel.prefix ? { prefix: sel.prefix } : { namespace: sel.namespace };
    const ids: string[] = [];
    let after: string | undefined;
    do {
      const page = await this.store.listRooms(LIST_PAGE, after, query);
      ids.push(...page.roomIds);
      after = page.next;
    } while (after !== undefined && ids.length <= this.limits.maxWatchRooms);
    return ids;
  }

  /** Follows the rooms a selector found that the stream does not follow yet (one `created`). */
  private async found(sel: Selector, roomIds: readonly string[]): Promise<void> {
    if (!this.selectors.has(sel.key)) return;
    const fresh = this.collect(sel, roomIds, []);
    if (fresh.length) await this.session.add(fresh, { requestId: sel.requestId, prefix: sel.prefix, namespace: sel.namespace });
  }

  /**
   * The cursors (known version 0) of the rooms a selector found that are neither followed nor among
   * `adding` (those become the selector's); the followed ones are followed for the selector too, those
   * past the limit refused.
   */
  private collect(sel: Selector, roomIds: readonly string[], adding: readonly Cursor[]): Cursor[] {
    const fresh: Cursor[] = [];
    const pending = new Map(adding.map((c) => [c.roomId, c]));
    for (const id of roomIds) {
      const named = pending.get(id);
      if (named) {
        named.source = sel.key; // named in the same add and found by its selector: the selector's
        continue;
      }
      if (this.session.follows(id)) {
        this.session.addSource(id, sel.key);
      } else if (this.session.roomCount + adding.length + fresh.length >= this.limits.maxWatchRooms) {
        this.cancel({ roomId: id, prefix: sel.prefix, namespace: sel.namespace, ...this.roomLimit(), requestId: sel.requestId });
      } else {
        fresh.push({ roomId: id, knownVersion: 0, source: sel.key });
      }
    }
    return fresh;
  }

  private remove(remove: RemoveRooms): void {
    const requestId = remove.requestId;
    for (const id of new Set(remove.roomIds)) {
      const gone = this.session.remove([id]);
      this.cancel({ roomId: id, requestId, ...(gone.length
        ? { reason: WatchCancelReason.WATCH_CANCEL_REASON_REMOVED, message: "removed" }
        : { reason: WatchCancelReason.WATCH_CANCEL_REASON_NOT_WATCHED, message: `${id} is not followed on this stream` }) });
    }
    if (remove.prefix) this.dropSelector(`p:${remove.prefix}`, remove.prefix, "", requestId);
    if (remove.namespace) this.dropSelector(`n:${remove.namespace}`, "", remove.namespace, requestId);
  }

  private dropSelector(key: string, prefix: string, namespace: string, requestId: number): void {
    if (!this.selectors.delete(key)) {
      this.cancel({ prefix, namespace, requestId, reason: WatchCancelReason.WATCH_CANCEL_REASON_NOT_WATCHED, message: "no such selector on this stream" });
      return;
    }
    for (const id of this.session.remove(this.session.roomsFrom(key), key)) {
      this.cancel({ roomId: id, prefix, namespace, requestId, reason: WatchCancelReason.WATCH_CANCEL_REASON_REMOVED, message: "its selector was removed" });
    }
    this.cancel({ prefix, namespace, requestId, reason: WatchCancelReason.WATCH_CANCEL_REASON_REMOVED, message: "removed" });
    if (this.selectors.size === 0) this.stopFollowing();
  }

  announced(a: RoomAnnouncement): void {
    for (const sel of this.selectors.values()) {
      if (matches(sel, a.roomId, a.namespace)) void this.enqueue(() => this.found(sel, [a.roomId]));
      else if (sel.namespace && a.previousNamespace === sel.namespace) void this.enqueue(async () => this.left(sel, a.roomId));
    }
  }

  private left(sel: Selector, roomId: string): void {
    for (const id of this.session.remove([roomId], sel.key)) {
      this.cancel({ roomId: id, namespace: sel.namespace, requestId: 0, reason: WatchCancelReason.WATCH_CANCEL_REASON_LEFT_NAMESPACE,
        message: `${id} moved out of namespace ${sel.namespace}` });
    }
  }

  relist(): void {
    for (const sel of this.selectors.values()) {
      void this.enqueue(async () => this.found(sel, await this.list(sel)));
    }
  }

  private cancel(c: { roomId?: string; prefix?: string; namespace?: string; reason: WatchCancelReason; message: string; requestId: number }): void {
    this.session.write({ cancelled: { roomId: "", prefix: "", namespace: "", ...c } });
  }

  private stopFollowing(): void {
    if (!this.following) return;
    this.following = false;
    clearInterval(this.relistTimer);
    this.hub.unfollowAnnouncements(this);
  }

  close(): void {
    this.closed = true;
    this.stopFollowing();
    this.session.close();
  }
}

/** Whether a selector covers the room (`namespace` undefined: by id only, for a prefix selector). */
function matches(sel: Selector, roomId: string, namespace: string | undefined): boolean {
  return sel.prefix ? roomId.startsWith(sel.prefix) : namespace !== undefined && namespace === sel.namespace;
}
