import type { Redis, Cluster } from "ioredis";
import type { Logger } from "pino";
import { toEntry, type Entry } from "../../domain/entry.js";
import type { KeySpace } from "../keys.js";
import { guardRedis } from "./redis-errors.js";
import type { ChangeFeed, ChangeKindName, ChangeListener, StoreChange } from "../store.js";

interface EventPayload {
  r: string;
  v: number;
  pv: number;
  k: ChangeKindName;
  t: number;
  o: 0 | 1;
  e: unknown[];
}

/**
 * Change feed over Redis sharded pub/sub: one dedicated subscriber connection per process and one
 * SSUBSCRIBE per watched room, whatever the number of watchers. Idle, it sends no command at all.
 */
export class RedisFeed implements ChangeFeed {
  private readonly sub: Redis | Cluster;
  private listener?: ChangeListener;
  private connectedOnce = false;

  constructor(redis: Redis | Cluster, private readonly keys: KeySpace, private readonly logger: Logger) {
    this.sub = redis.duplicate();
    this.sub.on("smessage", (channel: string, message: string) => this.onMessage(channel, message));
    this.sub.on("ready", () => this.onReady());
    this.sub.on("error", (err: Error) => this.logger.warn({ err: err.message }, "change feed connection error"));
  }

  setListener(listener: ChangeListener): void {
    this.listener = listener;
  }

  async subscribe(roomId: string): Promise<void> {
    await guardRedis(() => this.sub.ssubscribe(this.keys.room(roomId).channel), this.sub);
  }

  async unsubscribe(roomId: string): Promise<void> {
    await this.sub.sunsubscribe(this.keys.room(roomId).channel).catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.sub.quit().catch(() => this.sub.disconnect());
  }

  private onReady(): void {
    if (!this.connectedOnce) {
      this.connectedOnce = true;
      return;
    }
    // ioredis re-sends SSUBSCRIBE for every channel on reconnect; a PING queued behind them answers
    // only once they are active, so versions re-read after it cannot miss a change.
    this.logger.info("change feed reconnected; re-reading watched versions");
    void this.sub
      .ping()
      .catch(() => undefined)
      .then(() => this.listener?.resubscribed());
  }

  private onMessage(channel: string, message: string): void {
    const roomId = this.keys.roomOfChannel(channel);
    if (!roomId || !this.listener) return;
    const change = parsePayload(roomId, message);
    if (!change) {
      this.logger.warn({ roomId }, "skipped unreadable change event");
      return;
    }
    this.listener.change(change);
  }
}

export function parsePayload(roomId: string, message: string): StoreChange | undefined {
  let p: EventPayload;
  try {
    p = JSON.parse(message) as EventPayload;
  } catch {
    return undefined;
  }
  if (typeof p.v !== "number" || typeof p.pv !== "number" || !Array.isArray(p.e)) return undefined;
  const entries = p.e
    .map(toEntry)
    .filter((e): e is Entry => e !== null);
  return {
    roomId, version: p.v, previousVersion: p.pv, kind: p.k, entries, omitted: p.o === 1, trimmed: p.t,
  };
}
