import { emitToParent } from "../lib/processes.js";

/** One worker noticing a room's version: [room, version, when (monotonic ms), worker index]. */
export type Arrival = [roomId: string, version: number, at: number, worker: number];

export interface EachEvent {
  type: "each";
  target: string;
  arrivals: Arrival[];
}

/** Collects per-worker arrivals and sends them to the bench in batches (at most one IPC message per 20 ms). */
export class ArrivalBatcher {
  private batch: Arrival[] = [];
  private timer?: NodeJS.Timeout;

  constructor(private readonly target: string) {}

  add(arrival: Arrival): void {
    this.batch.push(arrival);
    this.timer ??= setTimeout(() => this.flush(), 20);
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.batch.length) emitToParent({ type: "each", target: this.target, arrivals: this.batch } satisfies EachEvent);
    this.batch = [];
  }
}
