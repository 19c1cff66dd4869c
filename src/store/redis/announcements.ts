import type { Logger } from "pino";
import type { RoomAnnouncement } from "../store.js";
import { ShardConnection } from "./shard-connection.js";
import type { Topology } from "./topology.js";

/** What the subscriber tells the feed. */
export interface AnnouncementEvents {
  announced(announcement: RoomAnnouncement): void;
  /** Subscribed again after a gap (a lost connection, a failed node): announcements may have been missed. */
  resumed(): void;
}

const RETRY_MS = 250;

/**
 * The subscription to room announcements (announce() in src/store/lua/includes/common.lua): one plain
 * SUBSCRIBE on one node, counted by followers. Scripts announce with PUBLISH, which a Redis Cluster
 * relays to every node, so any node will do; the channel's slot owner is taken so that every server
 * replica asks the same node. A lost connection is opened again (on whichever node the slot map then
 * names) and the feed hears `resumed`, since announcements published meanwhile are gone.
 */
export class AnnouncementSubscriber {
  private followers = 0;
  private conn?: ShardConnection;
  private subscribed = false;
  private everSubscribed = false;
  private waiters: (() => void)[] = [];
  private retryTimer?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly channel: string,
    private readonly topology: Topology,
    private readonly timing: { timeoutMs: number; stallMs: number },
    private readonly events: AnnouncementEvents,
    private readonly logger: Logger,
  ) {}

  /** Counted; resolves once announcements are being received. */
  follow(): Promise<void> {
    this.followers++;
    if (this.subscribed) return Promise.resolve();
    if (!this.conn) this.open();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  unfollow(): void {
    if (this.followers === 0 || --this.followers > 0) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.everSubscribed = false;
    this.subscribed = false;
    const conn = this.conn;
    this.conn = undefined;
    conn?.end("no followers left");
  }

  /** Resolves true once every announcement published before the call has been handed on. */
  barrier(): Promise<boolean> {
    return this.conn && this.subscribed ? this.conn.barrier() : Promise.resolve(this.followers === 0);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.conn?.end("feed closed");
  }

  private open(): void {
    if (this.closed || this.followers === 0) return;
    const node = this.topology.nodeFor(this.channel);
    if (!node) return this.retry();
    const conn: ShardConnection = new ShardConnection(node, this.topology.address(node), this.timing.timeoutMs,
      this.timing.stallMs, {
        message: (_, payload) => this.onMessage(conn, payload),
        subscribed: () => this.onSubscribed(conn),
        dropped: () => undefined,
        refused: () => conn.end("SUBSCRIBE refused"),
        closed: (c, why) => this.onClosed(c, why),
      });
    this.conn = conn;
    conn.subscribe(this.channel);
  }

  private onSubscribed(conn: ShardConnection): void {
    if (conn !== this.conn) return;
    this.subscribed = true;
    for (const w of this.waiters.splice(0)) w();
    if (this.everSubscribed) this.events.resumed();
    this.everSubscribed = true;
  }

  private onMessage(conn: ShardConnection, payload: string): void {
    if (conn !== this.conn) return;
    const a = parseAnnouncement(payload);
    if (a) this.events.announced(a);
    else this.logger.warn("skipped an unreadable room announcement");
  }

  private onClosed(conn: ShardConnection, why: string): void {
    if (conn !== this.conn) return;
    this.conn = undefined;
    this.subscribed = false;
    if (this.closed || this.followers === 0) return;
    this.logger.warn({ why }, "room announcement subscription lost; subscribing again");
    this.retry();
  }

  private retry(): void {
    if (this.retryTimer || this.closed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.topology.refresh().then(() => this.open());
    }, RETRY_MS);
    this.retryTimer.unref();
  }
}

/** {"r": room, "v": version, "ns": namespace, "pns": previous namespace}; undefined when malformed. */
export function parseAnnouncement(payload: string): RoomAnnouncement | undefined {
  try {
    const p = JSON.parse(payload) as { r?: unknown; v?: unknown; ns?: unknown; pns?: unknown };
    if (typeof p.r !== "string" || typeof p.v !== "number") return undefined;
    return { roomId: p.r, version: p.v, namespace: typeof p.ns === "string" ? p.ns : "", previousNamespace: typeof p.pns === "string" ? p.pns : "" };
  } catch {
    return undefined;
  }
}
