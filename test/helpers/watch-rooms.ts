import type { ClientDuplexStream, ServiceError } from "@grpc/grpc-js";
import {
  WatchRoomsRequest, type DeepPartial, type RoomHistoryServiceClient, type WatchRoomsResponse,
} from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import type { RoomChange } from "@roomhistory/client/gen/roomhistory/v1/change.js";

/** A raw WatchRooms stream (generated client) that records what arrives and lets a test await it. */
export class RoomsRecorder {
  readonly responses: WatchRoomsResponse[] = [];
  error?: ServiceError;
  ended = false;
  private waiters: (() => void)[] = [];
  readonly stream: ClientDuplexStream<WatchRoomsRequest, WatchRoomsResponse>;

  constructor(client: RoomHistoryServiceClient) {
    this.stream = client.watchRooms();
    this.stream.on("data", (r: WatchRoomsResponse) => this.push(() => this.responses.push(r)));
    this.stream.on("error", (e: ServiceError) => this.push(() => (this.error = e)));
    this.stream.on("end", () => this.push(() => (this.ended = true)));
  }

  send(request: DeepPartial<WatchRoomsRequest>): void {
    this.stream.write(WatchRoomsRequest.fromPartial(request));
  }

  get changes(): RoomChange[] {
    return this.responses.flatMap((r) => (r.change ? [r.change] : []));
  }

  of<K extends keyof WatchRoomsResponse>(key: K): NonNullable<WatchRoomsResponse[K]>[] {
    return this.responses.flatMap<NonNullable<WatchRoomsResponse[K]>>((r) => (r[key] ? [r[key]] : []));
  }

  /** Resolves when `test` holds, re-checked on every event; rejects after `timeoutMs`. */
  async until(test: (w: this) => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!test(this)) {
      if (this.error && !test(this)) throw new Error(`watch failed: ${this.error.details}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; got ${this.responses.length} responses`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => (clearTimeout(t), resolve()));
      });
    }
  }

  cancel(): void {
    this.stream.cancel();
  }

  private push(update: () => void): void {
    update();
    const ws = this.waiters;
    this.waiters = [];
    ws.forEach((w) => w());
  }
}
