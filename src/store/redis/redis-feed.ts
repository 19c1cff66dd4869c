import { DEFAULT_COMMAND_TIMEOUT_MS } from "../../defaults.js";
import { Cluster, type Redis } from "ioredis";
import type { Logger } from "pino";
import { toEntry, type Entry } from "../../domain/entry.js";
import { unavailable } from "../../domain/errors.js";
import type { KeySpace } from "../keys.js";
import type { ChangeFeed, ChangeKindName, ChangeListener, StoreChange } from "../store.js";
import { ShardConnection } from "./shard-connection.js";
import { AnnouncementSubscriber } from "./announcements.js";
import { topologyOf, type Topology } from "./topology.js";

interface EventPayload {
  r: string;
  v: number;
  pv: number;
  k: ChangeKindName;
  t: number;
  o: 0 | 1;
  /** replaced_through_seq of a "compact" change; absent for other kinds. */
  rt?: number;
  /** The token total and needs_compaction (1) of a room with a context budget; absent for other rooms. */
  tc?: number;
  nc?: 0 | 1;
  e: unknown[];
}

/**
 * What the feed tells its listener beyond ChangeListener: which rooms' subscriptions are in doubt and
 * when they are back. (The watch hub implements both; they belong in ChangeListener, src/store/store.ts.)
 */
export interface SubscriptionListener extends ChangeListener {
  /** These rooms' changes may be missed from now on, until `resubscribed` names them again. */
  unconfirmed?(roomIds: readonly string[]): void;
  /**
   * Subscribed again after a gap: changes may have been missed; all rooms when no ids are given.
   * `writesMayBeLost`: the room's slot moved to another node after its old one failed (not a graceful
   * failover): writes the old master acknowledged but had not replicated may be gone, and their
   * versions reused by newer writes, so a watcher's copy may differ at a version it already has.
   */
  resubscribed(roomIds?: readonly string[], opts?: { writesMayBeLost?: boolean }): void;
}

export interface FeedOptions {
  /** Longest wait for any subscriber reply (SSUBSCRIBE, PING) before the connection is given up. */
  timeoutMs: number;
  /** A subscriber connection silent this long is sent a PING (its answer proves it alive). */
  probeMs: number;
}

interface Subscription {
  roomId: string;
  /** The connection the SSUBSCRIBE went to; undefined while waiting to be placed again. */
  conn?: ShardConnection;
  confirmed: boolean;
  /** Whether it was ever confirmed: a later confirmation ends a gap, which the listener must hear of. */
  wasConfirmed: boolean;
  /** A MOVED reply's node, tried before the slot map. */
  redirect?: string;
  /** The node whose connection failed under the confirmed subscription (closed, timed out). */
  failedOn?: string;
  /**
   * The node that dropped the subscription because its slot moved, and until when a slot map naming
   * it is taken as stale: a demoted master still accepts SSUBSCRIBE as the new master's replica.
   */
  movedFrom?: { node: string; until: number };
  waiters: { resolve(): void; reject(err: Error): void }[];
}

/**
 * Change feed over Redis sharded pub/sub: one SSUBSCRIBE per watched room per process, on a subscriber
 * connection to the node that serves the room's slot (one connection per node). A subscription lost to
 * a failover, a slot migration, a lost or frozen connection is placed again on the slot's current
 * owner, and the listener hears which rooms were in doubt and when they are confirmed again. Idle, it
 * sends one PING per node and probe interval, whatever the number of rooms and watchers.
 */
export class RedisFeed implements ChangeFeed {
  private listener?: SubscriptionListener;
  private readonly subs = new Map<string, Subscription>();
  private readonly conns = new Map<string, { conn: ShardConnection; channels: Set<string> }>();
  private readonly topology: Topology;
  private readonly retry = new Set<string>();
  private retryTimer?: NodeJS.Timeout;
  private failures = 0;
  private regained: { roomId: string; suspect: boolean }[] = [];
  private readonly probe: NodeJS.Timeout;
  private closed = false;

  private readonly options: FeedOptions;
  private readonly announcements: AnnouncementSubscriber;
  private barrierRound?: Promise<number>;

  /** `options` default to the client's command timeout (`commandTimeout`), see feedTimings. */
  constructor(redis: Redis | Cluster, private readonly keys: KeySpace, private readonly logger: Logger,
    options?: FeedOptions) {
    this.options = options ?? feedTimings(redis);
    this.topology = topologyOf(redis);
    this.probe = setInterval(() => this.probeSilent(), Math.max(50, this.options.probeMs / 2));
    this.probe.unref();
    const stallMs = 1.5 * this.options.probeMs + this.options.timeoutMs;
    this.announcements = new AnnouncementSubscriber(keys.announceChannel(), this.topology,
      { timeoutMs: this.options.timeoutMs, stallMs }, {
        announced: (a) => this.listener?.announced?.(a),
        resumed: () => this.listener?.announcementsResumed?.(),
      }, logger);
  }

  setListener(listener: SubscriptionListener): void {
    this.listener = listener;
  }

  followAnnouncements(): Promise<void> {
    return this.announcements.follow();
  }

  async unfollowAnnouncements(): Promise<void> {
    this.announcements.unfollow();
  }

  /** One PING round over every subscriber connection at a time; callers meanwhile share it. */
  barrier(): Promise<number> {
    this.barrierRound ??= this.pingAll().finally(() => (this.barrierRound = undefined));
    return this.barrierRound;
  }

  private async pingAll(): Promise<number> {
    const at = Date.now();
    const links = [...this.conns.values()].filter((l) => l.channels.size > 0);
    const answered = await Promise.all([...links.map((l) => l.conn.barrier()), this.announcements.barrier()]);
    if (answered.includes(false)) throw unavailable("a subscriber connection failed; no watermark yet");
    return at;
  }

  /** Resolves once the room's changes are being received; UNAVAILABLE when that is not confirmed in time. */
  get subscriptions(): number {
    return this.subs.size;
  }

  subscribe(roomId: string): Promise<void> {
    const channel = this.keys.room(roomId).channel;
    let sub = this.subs.get(channel);
    if (sub?.confirmed) return Promise.resolve();
    if (!sub) {
      sub = { roomId, confirmed: false, wasConfirmed: false, waiters: [] };
      this.subs.set(channel, sub);
      this.place(channel);
    }
    const waiting = sub;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting.waiters = waiting.waiters.filter((w) => w.resolve !== done);
        reject(unavailable("the store is unavailable (subscribing to the room's changes timed out); retry later"));
      }, this.options.timeoutMs * 2);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      waiting.waiters.push({
        resolve: done,
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
    });
  }

  async unsubscribe(roomId: string): Promise<void> {
    const channel = this.keys.room(roomId).channel;
    const sub = this.subs.get(channel);
    if (!sub) return;
    this.subs.delete(channel);
    this.retry.delete(channel);
    if (sub.conn) {
      this.detach(channel, sub.conn);
      if (sub.conn.isOpen) sub.conn.sunsubscribe(channel);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.probe);
    clearTimeout(this.retryTimer);
    this.announcements.close();
    for (const { conn } of [...this.conns.values()]) conn.end("feed closed");
  }

  /** Sends SSUBSCRIBE to the node that serves the channel now, or queues a retry when none is known. */
  private place(channel: string): void {
    const sub = this.subs.get(channel);
    if (!sub || this.closed) return;
    const node = sub.redirect ?? this.topology.nodeFor(channel);
    const stale = !sub.redirect && node === sub.movedFrom?.node && Date.now() < (sub.movedFrom?.until ?? 0);
    sub.redirect = undefined;
    if (!node || stale) {
      this.scheduleRetry(channel);
      return;
    }
    sub.movedFrom = undefined;
    let link = this.conns.get(node);
    if (!link?.conn.isOpen) {
      const { timeoutMs, probeMs } = this.options;
      // Pinged every probeMs (checked every probeMs / 2) when silent, a live connection is never silent
      // for longer than 1.5 probe intervals and a reply's timeout.
      const stallMs = 1.5 * probeMs + timeoutMs;
      const conn: ShardConnection = new ShardConnection(node, this.topology.address(node), timeoutMs, stallMs, {
        message: (ch, payload) => this.onMessage(conn, ch, payload),
        subscribed: (ch) => this.onSubscribed(conn, ch),
        dropped: (ch) => this.onDropped(conn, ch),
        refused: (ch, reply) => this.onRefused(conn, ch, reply),
        closed: (c, why) => this.onClosed(c, why),
      });
      link = { conn, channels: new Set() };
      this.conns.set(node, link);
    }
    sub.conn = link.conn;
    link.channels.add(channel);
    link.conn.ssubscribe(channel);
    this.logger.debug({ node, roomId: sub.roomId }, "subscribing to the room's changes");
  }

  private detach(channel: string, conn: ShardConnection): void {
    const link = this.conns.get(conn.node);
    if (link?.conn !== conn) return;
    link.channels.delete(channel);
    // A connection left without channels is closed: it would only cost PINGs.
    if (link.channels.size === 0) {
      this.conns.delete(conn.node);
      setTimeout(() => conn.end("no channels left"), this.options.timeoutMs).unref();
    }
  }

  private onSubscribed(conn: ShardConnection, channel: string): void {
    const sub = this.subs.get(channel);
    if (!sub || sub.conn !== conn || sub.confirmed) return;
    sub.confirmed = true;
    this.failures = 0;
    for (const w of sub.waiters.splice(0)) w.resolve();
    if (!sub.wasConfirmed) {
      sub.wasConfirmed = true;
      return;
    }
    const suspect = sub.failedOn !== undefined && sub.failedOn !== conn.node;
    sub.failedOn = undefined;
    // Batched, so a node's worth of rooms coming back costs the listener one re-read.
    if (this.regained.push({ roomId: sub.roomId, suspect }) === 1) {
      setImmediate(() => {
        const regained = this.regained.splice(0);
        for (const writesMayBeLost of [false, true]) {
          const ids = regained.filter((r) => r.suspect === writesMayBeLost).map((r) => r.roomId);
          if (ids.length === 0) continue;
          this.logger.info({ rooms: ids.length, writesMayBeLost }, "change feed subscriptions restored; re-reading their versions");
          this.listener?.resubscribed(ids, { writesMayBeLost });
          // A failed node may have taken announcements (PUBLISH) with it before the cluster bus relayed them.
          if (writesMayBeLost) this.listener?.announcementsResumed?.();
        }
      });
    }
  }

  private onRefused(conn: ShardConnection, channel: string, reply: string): void {
    const sub = this.subs.get(channel);
    if (!sub || sub.conn !== conn) return;
    const [word, , target] = reply.split(" ");
    if ((word === "MOVED" || word === "ASK") && target) {
      // The node told us where the slot lives: go there now, and refresh the slot map for the next ones.
      this.detach(channel, conn);
      sub.conn = undefined;
      sub.redirect = target;
      void this.topology.refresh();
      this.place(channel);
      return;
    }
    this.onLost(conn, [channel], `SSUBSCRIBE refused: ${reply}`, false);
  }

  private onDropped(conn: ShardConnection, channel: string): void {
    const sub = this.subs.get(channel);
    // The slot map read next may come from a node that has not heard of the move yet.
    if (sub?.conn === conn) sub.movedFrom = { node: conn.node, until: Date.now() + 10 * this.options.timeoutMs };
    this.onLost(conn, [channel], "the node dropped the subscription (its slot moved)", false);
  }

  private onClosed(conn: ShardConnection, why: string): void {
    const link = this.conns.get(conn.node);
    if (link?.conn === conn) this.conns.delete(conn.node);
    const channels = [...this.subs.entries()].filter(([, s]) => s.conn === conn).map(([ch]) => ch);
    if (!this.closed && channels.length) this.onLost(conn, channels, why, true);
  }

  /** Puts the channels in doubt, tells the listener, and places them again once the topology is re-read. */
  private onLost(conn: ShardConnection, channels: string[], why: string, failed: boolean): void {
    const lost: string[] = [];
    for (const channel of channels) {
      const sub = this.subs.get(channel);
      if (!sub || sub.conn !== conn) continue;
      this.detach(channel, conn);
      sub.conn = undefined;
      if (sub.confirmed) lost.push(sub.roomId);
      // A node that failed under a confirmed subscription may have acknowledged writes it never replicated.
      if (failed && sub.confirmed) sub.failedOn = conn.node;
      sub.confirmed = false;
      // A first subscription that failed answers its watch at once (UNAVAILABLE: the client retries),
      // rather than after the subscribe timeout; the feed keeps trying until the room is let go.
      const error = unavailable("the store is unavailable; retry later");
      if (!sub.wasConfirmed) for (const w of sub.waiters.splice(0)) w.reject(error);
      this.scheduleRetry(channel);
    }
    if (lost.length === 0) return;
    this.logger.warn({ node: conn.node, rooms: lost.length, why }, "change feed subscriptions lost; placing them again");
    this.listener?.unconfirmed?.(lost);
  }

  private scheduleRetry(channel: string): void {
    this.retry.add(channel);
    if (this.retryTimer || this.closed) return;
    const delay = Math.min(1000, 25 * 2 ** this.failures++);
    this.retryTimer = setTimeout(() => void this.retryNow(), delay);
    this.retryTimer.unref();
  }

  private async retryNow(): Promise<void> {
    await this.topology.refresh();
    this.retryTimer = undefined;
    const channels = [...this.retry];
    this.retry.clear();
    for (const ch of channels) this.place(ch);
  }

  private probeSilent(): void {
    const now = Date.now();
    for (const { conn, channels } of this.conns.values()) {
      if (channels.size > 0 && now - conn.lastHeard >= this.options.probeMs) conn.ping();
    }
  }

  private onMessage(conn: ShardConnection, channel: string, message: string): void {
    // Only from the connection the subscription lives on: a stale one (a demoted master that ran
    // queued writes it is about to drop) must not be believed.
    const sub = this.subs.get(channel);
    if (!sub || sub.conn !== conn || !this.listener) return;
    const change = parsePayload(sub.roomId, message);
    if (!change) {
      this.logger.warn({ roomId: sub.roomId }, "skipped unreadable change event");
      return;
    }
    this.listener.change(change);
  }
}


/**
 * Subscriber timings from the client's command timeout: a reply may take that long, and a silent
 * connection is probed every 2.5 timeouts (at least every second), so a frozen node is noticed within
 * about 3.5 timeouts even when nothing is written.
 */
export function feedTimings(redis: Redis | Cluster): FeedOptions {
  const opts = redis instanceof Cluster ? redis.options.redisOptions : redis.options;
  const timeoutMs = opts?.commandTimeout ?? DEFAULT_COMMAND_TIMEOUT_MS;
  return { timeoutMs, probeMs: probeInterval(timeoutMs) };
}

export function probeInterval(timeoutMs: number): number {
  return Math.max(1000, Math.round(timeoutMs * 2.5));
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
    ...(typeof p.rt === "number" ? { replacedThroughSeq: p.rt } : {}),
    ...(typeof p.tc === "number" ? { agent: { tokenCount: p.tc, needsCompaction: p.nc === 1 } } : {}),
  };
}
