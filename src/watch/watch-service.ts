import { status } from "@grpc/grpc-js";
import type { Logger } from "pino";
import { invalid, tooLarge } from "../domain/errors.js";
import type { WatchRequest } from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import type { HistoryStore } from "../store/store.js";
import { checkRoomId, type Limits } from "../wire/validate.js";
import { WatchHub } from "./hub.js";
import { WatchSession, type WatchCall } from "./session.js";

const DEFAULT_PROGRESS_MS = 5000;

/** The Watch RPC: checks the request, opens a session on the process's hub, ends them all on shutdown. */
export class WatchService {
  readonly hub: WatchHub;
  private readonly sessions = new Set<WatchSession>();

  constructor(private readonly store: HistoryStore, private readonly limits: Limits, logger: Logger) {
    this.hub = new WatchHub(store, logger);
  }

  /** Throws a DomainError for a bad request; otherwise the stream runs until closed. */
  async open(request: WatchRequest, call: WatchCall): Promise<void> {
    const { rooms, progressIntervalMs } = request;
    if (rooms.length === 0) throw invalid("rooms", "at least one room is required");
    if (rooms.length > this.limits.maxWatchRooms) {
      throw tooLarge("rooms", `${rooms.length} rooms, more than the ${this.limits.maxWatchRooms} allowed per stream`);
    }
    const known = new Map<string, number>();
    rooms.forEach((r, i) => {
      checkRoomId(r.roomId, `rooms[${i}].room_id`);
      if (known.has(r.roomId)) throw invalid(`rooms[${i}].room_id`, `${r.roomId} is listed twice`);
      known.set(r.roomId, r.knownVersion);
    });
    const progressMs = Math.min(60_000, Math.max(100, progressIntervalMs || DEFAULT_PROGRESS_MS));
    const session = new WatchSession(call, this.hub, [...known.keys()], progressMs, (s) => this.sessions.delete(s));
    this.sessions.add(session);
    await session.start((ids) => this.store.versions(ids), known);
  }

  /** Ends every stream with UNAVAILABLE: clients resume with their cursors on another replica. */
  shutdown(): void {
    for (const s of [...this.sessions]) s.end(status.UNAVAILABLE, "server shutting down; resume the watch");
  }

  get openStreams(): number {
    return this.sessions.size;
  }
}
