import { status, type ServerDuplexStream } from "@grpc/grpc-js";
import type { Logger } from "pino";
import { invalid, tooLarge } from "../domain/errors.js";
import type { WatchRequest, WatchRoomsRequest, WatchRoomsResponse } from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import type { HistoryStore } from "../store/store.js";
import { checkRoomId, type Limits } from "../wire/validate.js";
import { WatchHub } from "./hub.js";
import { RoomsStream } from "./rooms-stream.js";
import { progressInterval, WatchSession, type WatchCall } from "./session.js";

/** The Watch and WatchRooms RPCs: check requests, open sessions on the process's hub, end them all on shutdown. */
export class WatchService {
  readonly hub: WatchHub;
  private readonly sessions = new Set<WatchSession>();

  constructor(private readonly store: HistoryStore, private readonly limits: Limits, private readonly logger: Logger) {
    this.hub = new WatchHub(store, logger);
  }

  /** Throws a DomainError for a bad request; otherwise the stream runs until closed. */
  async open(request: WatchRequest, call: WatchCall): Promise<void> {
    const { rooms } = request;
    if (rooms.length === 0) throw invalid("rooms", "at least one room is required");
    if (rooms.length > this.limits.maxWatchRooms) {
      throw tooLarge("rooms", `${rooms.length} rooms, more than the ${this.limits.maxWatchRooms} allowed per stream`);
    }
    const seen = new Set<string>();
    rooms.forEach((r, i) => {
      checkRoomId(r.roomId, `rooms[${i}].room_id`);
      if (seen.has(r.roomId)) throw invalid(`rooms[${i}].room_id`, `${r.roomId} is listed twice`);
      seen.add(r.roomId);
    });
    const session = this.session(call, progressInterval(request.progressIntervalMs), request.versionsOnly);
    await session.add(rooms, { requestId: 0, prefix: "", namespace: "" });
  }

  /**
   * WatchRooms: one session whose rooms change with the client's requests, answered in order; ends
   * when the client half-closes (or cancels). Throws a DomainError for a malformed request.
   */
  async openRooms(requests: AsyncIterable<WatchRoomsRequest>, call: ServerDuplexStream<unknown, WatchRoomsResponse>): Promise<void> {
    // The duplex stream writes and emits as the server stream does (its event overloads differ in type only).
    const session = this.session(call as unknown as WatchCall, progressInterval(0), false);
    const stream = new RoomsStream(session, this.hub, this.store, this.limits, this.logger);
    try {
      for await (const request of requests) {
        if (session.isClosed) break;
        await stream.handle(request);
      }
    } finally {
      stream.close();
    }
  }

  private session(call: WatchCall, progressMs: number, versionsOnly: boolean): WatchSession {
    const session = new WatchSession(call, this.hub, { progressMs, versionsOnly },
      (ids) => this.store.versions(ids), (s) => this.sessions.delete(s));
    this.sessions.add(session);
    return session;
  }

  /** Ends every stream with UNAVAILABLE: clients resume with their cursors on another replica. */
  shutdown(): void {
    for (const s of [...this.sessions]) s.end(status.UNAVAILABLE, "server shutting down; resume the watch");
  }

  get openStreams(): number {
    return this.sessions.size;
  }
}
