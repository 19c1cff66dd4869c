import type { ClientReadableStream, ServiceError } from "@grpc/grpc-js";
import {
  WatchRequest, type DeepPartial, type RoomHistoryServiceClient, type WatchResponse,
} from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import type { RoomChange } from "@roomhistory/client/gen/roomhistory/v1/change.js";

/** A raw Watch stream (generated client) that records what arrives and lets a test await it. */
export class WatchRecorder {
  readonly responses: WatchResponse[] = [];
  error?: ServiceError;
  ended = false;
  private waiters: (() => void)[] = [];
  readonly stream: ClientReadableStream<WatchResponse>;

  constructor(client: RoomHistoryServiceClient, request: DeepPartial<WatchRequest>) {
    this.stream = client.watch(WatchRequest.fromPartial(request));
    this.stream.on("data", (r: WatchResponse) => this.push(() => this.responses.push(r)));
    this.stream.on("error", (e: ServiceError) => this.push(() => (this.error = e)));
    this.stream.on("end", () => this.push(() => (this.ended = true)));
  }

  get changes(): RoomChange[] {
    return this.responses.flatMap((r) => (r.change ? [r.change] : []));
  }

  /** Resolves when `test` holds, re-checked on every event; rejects after `timeoutMs`. */
  async until(test: (w: this) => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = setTimeout(() => this.waiters.forEach((w) => w()), timeoutMs);
    try {
      while (!test(this)) {
        if (this.error) throw new Error(`watch failed: ${this.error.details}`);
        const before = this.responses.length + (this.error ? 1 : 0) + (this.ended ? 1 : 0);
        await new Promise<void>((r) => this.waiters.push(r));
        const after = this.responses.length + (this.error ? 1 : 0) + (this.ended ? 1 : 0);
        if (after === before && !test(this)) throw new Error(`timed out; got ${this.responses.length} responses`);
      }
    } finally {
      clearTimeout(deadline);
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
