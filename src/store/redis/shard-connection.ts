import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect, type ConnectionOptions } from "node:tls";

/** Where a subscriber connection goes, and how it logs in (from the ioredis options). */
export interface NodeAddress {
  host: string;
  port: number;
  username?: string;
  password?: string;
  tls?: ConnectionOptions;
}

/** What a shard connection reports to the feed. */
export interface ShardConnectionEvents {
  message(channel: string, payload: string): void;
  /** SSUBSCRIBE was confirmed: changes of the channel flow from now on. */
  subscribed(channel: string): void;
  /** The server dropped the subscription on its own (its slot moved away, the node became a replica). */
  dropped(channel: string): void;
  /** SSUBSCRIBE failed: `MOVED <slot> <host:port>`, CLUSTERDOWN, ... */
  refused(channel: string, reply: string): void;
  /** The connection is gone (closed, failed, or a reply took longer than the timeout); it is not reused. */
  closed(connection: ShardConnection, why: string): void;
}

type Pending = {
  command: "ssubscribe" | "sunsubscribe" | "subscribe" | "ping" | "auth";
  channel?: string;
  sentAt: number;
  /** Told when the command is answered (true) or the connection ends first (false). */
  settle?: (answered: boolean) => void;
};
type Reply = string | number | null | Error | Reply[];

/**
 * One subscriber connection to one Redis node, speaking RESP2 directly. ioredis' own subscriber takes
 * the `sunsubscribe` a node pushes when a slot leaves it for the reply to a command it sent, which
 * corrupts its queue and loses the subscription silently; here a push is told from a reply, and any
 * reply (PING included) that takes longer than `timeoutMs` ends the connection, so a frozen node
 * (SIGSTOP, CLIENT PAUSE) is noticed instead of waited on forever.
 */
export class ShardConnection {
  private readonly socket: Socket;
  private readonly pending: Pending[] = [];
  private buffer: Buffer = Buffer.alloc(0);
  private timer?: NodeJS.Timeout;
  private ended = false;
  /** When the node last said anything: the feed pings a connection that has been silent. */
  lastHeard = Date.now();

  /**
   * `timeoutMs`: longest wait for a reply. `stallMs`: a connection that has been silent this long
   * although it is pinged more often has stalled (the node was frozen, or this process was): what
   * arrives after such a gap is not believed, the connection is ended instead.
   */
  constructor(readonly node: string, address: NodeAddress, private readonly timeoutMs: number,
    private readonly stallMs: number, private readonly events: ShardConnectionEvents) {
    const opts = { host: address.host, port: address.port };
    this.socket = address.tls ? tlsConnect({ ...address.tls, ...opts }) : netConnect(opts);
    this.socket.setNoDelay(true);
    this.socket.setKeepAlive(true, 10_000);
    this.socket.on("data", (d: Buffer) => this.onData(d));
    this.socket.on("error", (err: Error) => this.end(err.message));
    this.socket.on("close", () => this.end("connection closed"));
    // Written before the socket connects (it buffers them); a node that accepts the connection but never
    // answers (frozen) times out on this first PING.
    if (address.password) {
      const login = ["AUTH", ...(address.username ? [address.username] : []), address.password];
      this.send(login, { command: "auth", sentAt: Date.now() });
    }
    this.send(["PING"], { command: "ping", sentAt: Date.now() });
    this.timer = setInterval(() => this.checkTimeout(), Math.max(50, timeoutMs / 4));
    this.timer.unref();
  }

  ssubscribe(channel: string): void {
    this.send(["SSUBSCRIBE", channel], { command: "ssubscribe", channel, sentAt: Date.now() });
  }

  sunsubscribe(channel: string): void {
    this.send(["SUNSUBSCRIBE", channel], { command: "sunsubscribe", channel, sentAt: Date.now() });
  }

  /** A plain SUBSCRIBE (room announcements: published with PUBLISH, which reaches every cluster node). */
  subscribe(channel: string): void {
    this.send(["SUBSCRIBE", channel], { command: "subscribe", channel, sentAt: Date.now() });
  }

  /**
   * Resolves true once a PING sent now is answered: a node answers in order, so every message it
   * published to this connection before the PING arrived has been handed to `message` by then; false
   * when the connection ends first.
   */
  barrier(): Promise<boolean> {
    return new Promise((resolve) => {
      if (this.ended) resolve(false);
      else this.send(["PING"], { command: "ping", sentAt: Date.now(), settle: resolve });
    });
  }

  /** A liveness probe: the answer must come within the timeout. */
  ping(): void {
    if (!this.pending.some((p) => p.command === "ping")) this.send(["PING"], { command: "ping", sentAt: Date.now() });
  }

  get isOpen(): boolean {
    return !this.ended;
  }

  /** Closes the connection; `closed` is reported once, with the reason. */
  end(why: string): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.timer);
    for (const p of this.pending.splice(0)) p.settle?.(false);
    this.socket.destroy();
    this.events.closed(this, why);
  }

  private send(args: string[], pending: Pending): void {
    if (this.ended) return;
    this.pending.push(pending);
    this.socket.write(encode(args));
  }

  private checkTimeout(): void {
    const oldest = this.pending[0];
    if (oldest && Date.now() - oldest.sentAt > this.timeoutMs) {
      this.end(`no reply to ${oldest.command} within ${this.timeoutMs} ms`);
    }
  }

  private onData(data: Buffer): void {
    // A node thawed after a freeze first sends what it did meanwhile, possibly as a master that has
    // since been replaced, whose writes are about to be dropped: a late reply ends the connection
    // before anything in it is delivered (the timer that would have ended it may not have run yet).
    const now = Date.now();
    const oldest = this.pending[0];
    if ((oldest && now - oldest.sentAt > this.timeoutMs) || now - this.lastHeard > this.stallMs) {
      this.end(`nothing heard for ${now - this.lastHeard} ms (stalled)`);
      return;
    }
    this.lastHeard = now;
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, data]) : data;
    let pos = 0;
    try {
      for (;;) {
        const parsed = parse(this.buffer, pos);
        if (!parsed) break;
        pos = parsed.next;
        this.onReply(parsed.value);
        if (this.ended) return;
      }
    } catch (err) {
      this.end((err as Error).message);
      return;
    }
    this.buffer = pos === this.buffer.length ? Buffer.alloc(0) : this.buffer.subarray(pos);
  }

  private onReply(reply: Reply): void {
    if (Array.isArray(reply) && typeof reply[0] === "string") {
      const [kind, channel, payload] = reply as [string, string, string];
      switch (kind) {
        case "smessage":
        case "message":
          this.events.message(channel, payload);
          return;
        case "subscribe":
          this.shift("subscribe", channel);
          this.events.subscribed(channel);
          return;
        case "ssubscribe":
          this.shift("ssubscribe", channel);
          this.events.subscribed(channel);
          return;
        case "sunsubscribe": {
          // The reply to our SUNSUBSCRIBE, or a push: the node no longer serves the channel's slot.
          if (this.pending[0]?.command === "sunsubscribe" && this.pending[0].channel === channel) this.pending.shift();
          else this.events.dropped(channel);
          return;
        }
        case "pong":
          this.shift("ping");
          return;
      }
    }
    const head = this.pending.shift();
    head?.settle?.(!(reply instanceof Error));
    if (reply instanceof Error) {
      if (head?.command === "ssubscribe" && head.channel) this.events.refused(head.channel, reply.message);
      else this.end(`${head?.command ?? "reply"} failed: ${reply.message}`);
    }
  }

  private shift(command: Pending["command"], channel?: string): void {
    const head = this.pending[0];
    if (head?.command === command && (channel === undefined || head.channel === channel)) {
      this.pending.shift();
      head.settle?.(true);
    }
  }
}

function encode(args: string[]): string {
  let out = `*${args.length}\r\n`;
  for (const a of args) out += `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
  return out;
}

/** Parses one RESP2 value at `pos`; undefined when the buffer does not hold all of it yet. */
export function parse(buf: Buffer, pos: number): { value: Reply; next: number } | undefined {
  const eol = buf.indexOf("\r\n", pos);
  if (eol < 0) return undefined;
  const type = String.fromCharCode(buf[pos]);
  const line = buf.toString("utf8", pos + 1, eol);
  const after = eol + 2;
  switch (type) {
    case "+":
      return { value: line, next: after };
    case "-":
      return { value: new Error(line), next: after };
    case ":":
      return { value: Number(line), next: after };
    case "$": {
      const len = Number(line);
      if (len < 0) return { value: null, next: after };
      if (buf.length < after + len + 2) return undefined;
      return { value: buf.toString("utf8", after, after + len), next: after + len + 2 };
    }
    case "*": {
      const n = Number(line);
      if (n < 0) return { value: null, next: after };
      const items: Reply[] = [];
      let next = after;
      for (let i = 0; i < n; i++) {
        const item = parse(buf, next);
        if (!item) return undefined;
        items.push(item.value);
        next = item.next;
      }
      return { value: items, next };
    }
    default:
      throw new Error(`unexpected RESP type byte ${JSON.stringify(type)}`);
  }
}
