/**
 * One room of a RoomMirror: its window and version, the changes waiting to be applied (one at a time,
 * in order, so a fetch never races an apply), and the promises waiting for it to load or reach a version.
 */
import { ChangeKind, type RoomChange } from "./gen/roomhistory/v1/change.js";
import type { Message } from "./gen/roomhistory/v1/message.js";

/** Changes queued past this while the room is busy (fetching) are merged into one RESYNC. */
const MAX_QUEUED = 64;

interface Waiter {
  version: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

/** Applies one change to a room (or fetches the room); the mirror provides it. */
export type ChangeProcessor = (room: MirroredRoom, change: RoomChange) => Promise<void>;

export class MirroredRoom {
  /** version is the version `messages` belong to; 0 until loaded. */
  version = 0;
  /** messages is the window, oldest first. Replaced, never mutated, on every change. */
  messages: readonly Message[] = [];
  /** The version the watch reported when the room was first confirmed: reaching it means loaded. */
  private target?: number;
  private loadedFlag = false;
  private readonly loaded: Promise<void>;
  private resolveLoaded!: () => void;
  private rejectLoaded!: (err: Error) => void;
  private waiters: Waiter[] = [];
  private queue: RoomChange[] = [];
  private draining = false;
  private failure?: Error;

  constructor(readonly roomId: string, private readonly processor: ChangeProcessor) {
    this.loaded = new Promise((resolve, reject) => {
      this.resolveLoaded = resolve;
      this.rejectLoaded = reject;
    });
    this.loaded.catch(() => undefined); // rejected on close even if nobody waits
  }

  get isLoaded(): boolean {
    return this.loadedFlag;
  }

  /** Resolves once the window is at least at the version the watch first reported. */
  whenLoaded(): Promise<void> {
    return this.loaded;
  }

  /** From the watch's `created`: only the first report counts, later ones come from reconnects. */
  setTarget(version: number): void {
    if (this.target !== undefined) return;
    this.target = version;
    this.settle();
  }

  /** Stores a new window and wakes whoever waits for its version. */
  set(messages: readonly Message[], version: number): void {
    this.messages = messages;
    this.version = version;
    this.settle();
  }

  /** Queues a change and starts applying the queue if it is idle. */
  enqueue(change: RoomChange): void {
    if (this.failure) return;
    this.queue.push(change);
    if (this.queue.length > MAX_QUEUED) {
      // A room stuck on a fetch must not hold an unbounded backlog: one RESYNC to the newest version
      // makes the next step a single fetch, which the backlog would have ended in anyway.
      const first = this.queue[0];
      const resync = ChangeKind.CHANGE_KIND_RESYNC;
      this.queue = [{ ...change, previousVersion: first.previousVersion, kind: resync, messages: [] }];
    }
    if (!this.draining) void this.drain();
  }

  /** Resolves when the room reaches `version` (at once if it has). */
  waitFor(version: number): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.version >= version) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ version, resolve, reject }));
  }

  /** Ends the room: pending waits reject with `err`, queued changes are dropped. */
  fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    this.queue = [];
    this.rejectLoaded(err);
    for (const w of this.waiters) w.reject(err);
    this.waiters = [];
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      for (let change = this.queue.shift(); change && !this.failure; change = this.queue.shift()) {
        await this.processor(this, change);
      }
    } finally {
      this.draining = false;
    }
  }

  private settle(): void {
    if (!this.loadedFlag && this.target !== undefined && this.version >= this.target) {
      this.loadedFlag = true;
      this.resolveLoaded();
    }
    if (this.waiters.length === 0) return;
    const ready = this.waiters.filter((w) => this.version >= w.version);
    this.waiters = this.waiters.filter((w) => this.version < w.version);
    for (const w of ready) w.resolve();
  }
}
