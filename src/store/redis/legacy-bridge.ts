import { Redis, type RedisOptions } from "ioredis";
import type { Logger } from "pino";
import { KeySpace, type KeyOptions } from "../keys.js";
import { defineScripts } from "./scripts.js";
import { legacySync } from "./legacy-script-calls.js";

/** What the bridge needs of the watch hub (src/watch/hub.ts). */
export interface WatchedRooms {
  /** Re-reads the versions of those rooms this process watches; a room that moved up gets a RESYNC. */
  recheck(roomIds: readonly string[]): Promise<void>;
  /** Re-reads every watched room (or those named), RESYNCing down too: notifications may have been lost. */
  resubscribed(roomIds?: readonly string[]): void;
}

export interface LegacyBridgeOptions extends KeyOptions {
  /** The single Redis the service and the legacy writers share. */
  url: string;
  /** TLS and credentials beyond the URL's (ROOMHISTORY_REDIS_TLS_CA, _USERNAME, ...), as the store's connection has. */
  connection?: RedisOptions;
  rooms: WatchedRooms;
  logger: Logger;
  /** Whether the service accepts a room id; keys of other rooms are ignored. */
  acceptsRoomId(roomId: string): boolean;
  /** How long a room's notifications must pause before they are acted on. */
  quietMs?: number;
}

/** What the notifications of one room showed since it was last acted on. */
interface RoomEvents {
  /** When the first and the latest of them arrived (ms). */
  first: number;
  last: number;
  /** The list changed and no version bump came after it (a legacy clear, or a bump still to come). */
  listUnversioned: boolean;
  /** The version moved and no meta write came after it: the service's scripts write meta after INCR. */
  foreignVersion: boolean;
  /** The version key went (deleted, expired: a legacy TTL, or evicted): the version went down. */
  versionGone: boolean;
}

/** Notifications that change no content: TTL changes, and a key's creation (`n` events). */
const IGNORED_EVENTS = new Set(["expire", "persist", "new"]);
/** Notifications of a key that is gone. */
const GONE_EVENTS = new Set(["del", "expired", "evicted"]);

/** The keyspace classes the bridge needs: K (keyspace channel), g (DEL), l (lists), $ (strings). */
const REQUIRED_CLASSES = ["K", "g", "l", "$"];
/** And those it uses when present: h (meta writes: the service's own), x and e (expired and evicted keys). */
const USEFUL_CLASSES = ["h", "x", "e"];

const DEFAULT_QUIET_MS = 30;
/**
 * A list change with no version bump after it waits longer: a legacy append that is not one script
 * (RPUSH, then INCR) must not get a bump of its own between its two commands.
 */
const BUMP_QUIET_MS = 250;
/** A room written without pause is acted on at least this often. */
const MAX_WAIT_MS = 1000;

/**
 * Relays the changes legacy writers make to watchers (opt-in: ROOMHISTORY_LEGACY_BRIDGE). Legacy
 * ConversationManager workers write a room's list and `:ver` directly and publish nothing; the bridge
 * follows Redis keyspace notifications on the room keys of the configured layout and, once a room's
 * notifications pause, has the hub re-read the versions of the rooms it saw written, so their
 * watchers get a RESYNC. A list change that no version bump follows (the legacy clear is a bare DEL)
 * gets one here (lua/legacy-sync-4.lua), so the RESYNC carries a version the client can fetch at.
 * Rooms legacy writers write are also added to the room index, so ListRooms lists them.
 *
 * The service's own writes notify too. Its scripts write the meta hash after the version, legacy
 * writers never do, so a room whose last version move was followed by a meta write needs nothing
 * (a legacy write before it shows on the stream as the gap before the service's change, which the
 * stream turns into a RESYNC itself); without the `h` class in notify-keyspace-events every write is re-checked instead, and the hub's
 * comparison with the version it already delivered (WatchHub.recheck) keeps that from sending
 * spurious RESYNCs.
 *
 * Keyspace notifications are node-local and fire-and-forget: single Redis only, and notifications
 * lost while the bridge's connection was down are covered by re-reading every watched version.
 */
export class LegacyBridge {
  private readonly keys: KeySpace;
  private readonly db: number;
  private readonly sub: Redis;
  private pending = new Map<string, RoomEvents>();
  private timer?: NodeJS.Timeout;
  private connectedOnce = false;
  private readonly flushes = new Set<Promise<void>>();

  private constructor(private readonly redis: Redis, private readonly options: LegacyBridgeOptions) {
    this.keys = new KeySpace(options);
    this.db = redis.options.db ?? 0;
    defineScripts(redis);
    this.sub = redis.duplicate();
    this.sub.on("pmessage", (_pattern: string, channel: string, event: string) => this.onEvent(channel, event));
    this.sub.on("ready", () => this.onReady());
    this.sub.on("error", (err: Error) => options.logger.warn({ err: err.message }, "legacy bridge connection error"));
    redis.on("error", (err: Error) => options.logger.warn({ err: err.message }, "legacy bridge connection error"));
  }

  /** Connects, refuses a cluster node, checks the notification setting, subscribes. */
  static async start(options: LegacyBridgeOptions): Promise<LegacyBridge> {
    const redis = new Redis(options.url, {
      ...options.connection,
      maxRetriesPerRequest: 2, commandTimeout: 5000, retryStrategy: (n) => Math.min(50 * 2 ** n, 2000),
    });
    const bridge = new LegacyBridge(redis, options);
    try {
      await bridge.refuseCluster();
      await bridge.checkNotifications();
      await bridge.sub.psubscribe(bridge.keys.keyspacePattern(bridge.db));
    } catch (err) {
      await bridge.close();
      throw err;
    }
    options.logger.info({ pattern: bridge.keys.keyspacePattern(bridge.db) }, "legacy bridge following keyspace notifications");
    return bridge;
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await Promise.all(this.flushes);
    await Promise.all([this.sub, this.redis].map((c) => c.quit().catch(() => c.disconnect())));
  }

  private async refuseCluster(): Promise<void> {
    const info = await this.redis.info("cluster");
    if (/cluster_enabled:1/.test(info)) {
      throw new Error("ROOMHISTORY_LEGACY_BRIDGE needs a single Redis: ROOMHISTORY_REDIS_URL names a cluster node, "
        + "and keyspace notifications are node-local, so the bridge would miss writes on other nodes");
    }
  }

  /** CONFIG GET may be forbidden (managed Redis): then the bridge says what it needs and goes on. */
  private async checkNotifications(): Promise<void> {
    const { logger } = this.options;
    let flags: string;
    try {
      flags = ((await this.redis.config("GET", "notify-keyspace-events")) as string[])[1] ?? "";
    } catch (err) {
      logger.warn({ err: (err as Error).message },
        "legacy bridge cannot read notify-keyspace-events; it must include K, g, l and $ (best KA), else legacy writes reach no watcher");
      return;
    }
    const has = (c: string) => flags.includes(c) || (c !== "K" && c !== "E" && flags.includes("A"));
    const missing = REQUIRED_CLASSES.filter((c) => !has(c));
    const unused = USEFUL_CLASSES.filter((c) => !has(c));
    if (missing.length > 0) {
      logger.warn({ notifyKeyspaceEvents: flags, missing },
        "legacy bridge: Redis notify-keyspace-events lacks classes it needs; legacy writes reach no watcher until it is set, e.g. CONFIG SET notify-keyspace-events KA");
    } else if (unused.length > 0) {
      logger.info({ notifyKeyspaceEvents: flags, unused },
        "legacy bridge: without h every write is re-checked, the service's own included; without x and e legacy keys that expire or are evicted reach no watcher (KA has them all)");
    }
  }

  private onReady(): void {
    if (!this.connectedOnce) {
      this.connectedOnce = true;
      return;
    }
    // Notifications sent while the connection was down are lost. ioredis subscribes again; a PING
    // queued behind that answers once it is active, so the versions re-read after it miss nothing.
    this.options.logger.info("legacy bridge reconnected; re-reading watched versions");
    void this.sub.ping().catch(() => undefined).then(() => this.options.rooms.resubscribed());
  }

  private onEvent(channel: string, event: string): void {
    if (IGNORED_EVENTS.has(event)) return;
    const key = this.keys.keyOfKeyspaceChannel(this.db, channel);
    const found = key === undefined ? undefined : this.keys.roomKeyOf(key);
    if (!found || !this.options.acceptsRoomId(found.roomId)) return;
    const now = Date.now();
    let room = this.pending.get(found.roomId);
    if (!room) {
      room = { first: now, last: now, listUnversioned: false, foreignVersion: false, versionGone: false };
      this.pending.set(found.roomId, room);
    }
    room.last = now;
    // Notifications arrive in the order the commands ran, a script's all together.
    if (found.part === "list") room.listUnversioned = true;
    else if (found.part === "version") {
      room.listUnversioned = false;
      room.foreignVersion = true;
      room.versionGone = GONE_EVENTS.has(event);
    } else room.foreignVersion = false;
    this.timer ??= setTimeout(() => this.flushDue(), this.quietMs);
  }

  private get quietMs(): number {
    return this.options.quietMs ?? DEFAULT_QUIET_MS;
  }

  /** Acts on the rooms whose notifications paused (or waited long enough); checks again while any wait. */
  private flushDue(): void {
    this.timer = undefined;
    const now = Date.now();
    const batch = new Map<string, RoomEvents>();
    for (const [roomId, e] of this.pending) {
      const quiet = e.listUnversioned ? Math.max(BUMP_QUIET_MS, this.quietMs) : this.quietMs;
      if (now - e.last >= quiet || now - e.first >= MAX_WAIT_MS) batch.set(roomId, e);
    }
    for (const roomId of batch.keys()) this.pending.delete(roomId);
    if (this.pending.size > 0) this.timer = setTimeout(() => this.flushDue(), this.quietMs / 2);
    if (batch.size === 0) return;
    const flush = this.flush(batch).catch((err: Error) =>
      this.options.logger.warn({ err: err.message, rooms: batch.size }, "legacy bridge could not relay legacy writes"),
    );
    this.flushes.add(flush);
    void flush.finally(() => this.flushes.delete(flush));
  }

  private async flush(batch: Map<string, RoomEvents>): Promise<void> {
    const gone = [...batch].filter(([, e]) => e.versionGone).map(([roomId]) => roomId);
    // Only a full re-read sends a version that went down (the service's own deletes keep tombstones).
    if (gone.length > 0) this.options.rooms.resubscribed(gone);
    const foreign = [...batch].filter(([, e]) => e.listUnversioned || e.foreignVersion);
    if (foreign.length === 0) return;
    await Promise.all(foreign.map(([roomId, e]) => this.sync(roomId, e.listUnversioned)));
    await this.options.rooms.recheck(foreign.map(([roomId]) => roomId));
  }

  /** Indexes a room legacy writers wrote and, for a list change without a version bump, bumps it. */
  private async sync(roomId: string, bump: boolean): Promise<void> {
    const k = this.keys.room(roomId);
    const { version, bumped, indexed } = await legacySync(this.redis, { keys: k, roomIndex: this.keys.roomIndex(), roomId, bump });
    if (version === -1) this.options.logger.warn({ roomId }, "legacy bridge: the room's version key holds no integer");
    if (bumped) this.options.logger.info({ roomId, version }, "legacy bridge: list changed without a version bump; bumped the version");
    if (indexed === 1) this.options.logger.info({ roomId }, "legacy bridge: indexed a room a legacy writer wrote");
    if (indexed === -1) this.options.logger.info({ roomId }, "legacy bridge: unlisted a room whose keys are gone");
  }
}
