import { Cluster, type Redis } from "ioredis";
import type { Logger } from "pino";

export interface AvailabilityOptions {
  /** A probe unanswered this long counts as a failure (the command timeout). */
  timeoutMs: number;
  /** While healthy and idle, a probe runs when no command succeeded for this long. */
  probeMs: number;
  logger: Logger;
}

/** While unavailable, how often to probe (and, on a cluster, re-read the slot map). */
const DOWN_PROBE_MS = 250;
const SLOTS = 16384;

const monitors = new WeakMap<object, RedisAvailability>();

/** The monitor watching a client, for guardRedis to report what its calls met. */
export function availabilityOf(client: object): RedisAvailability | undefined {
  return monitors.get(client);
}

/**
 * Whether Redis can serve this server now, for the health service: NOT_SERVING while a connection is
 * lost, a command timed out (a frozen node: SIGSTOP, CLIENT PAUSE), or, on a cluster, while a slot has
 * no master or a master does not answer or reports cluster_state other than ok; SERVING again once a
 * probe passes. Healthy and busy, it costs nothing (every successful call proves Redis alive); healthy
 * and idle, one probe per `probeMs` (PING, or CLUSTER INFO per master); unavailable, one every 250 ms.
 */
export class RedisAvailability {
  private up = true;
  private readonly listeners: ((up: boolean) => void)[] = [];
  private lastSuccess = Date.now();
  private lastProbe = 0;
  private probing = false;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly client: Redis | Cluster, private readonly options: AvailabilityOptions) {
    monitors.set(client, this);
    client.on("ready", () => void this.probe());
    for (const event of ["close", "reconnecting", "end"]) client.on(event, () => this.set(false, `connection ${event}`));
    this.timer = setInterval(() => this.tick(), DOWN_PROBE_MS);
    this.timer.unref();
  }

  get available(): boolean {
    return this.up;
  }

  onChange(listener: (up: boolean) => void): void {
    this.listeners.push(listener);
  }

  /** A call succeeded: Redis answers, no probe is needed for a while. */
  succeeded(): void {
    this.lastSuccess = Date.now();
  }

  /** A call failed for want of Redis (timeout, lost connection, CLUSTERDOWN...): unavailable until a probe passes. */
  failed(err: Error): void {
    this.set(false, err.message);
    void this.probe();
  }

  close(): void {
    clearInterval(this.timer);
  }

  private tick(): void {
    const now = Date.now();
    const idle = now - Math.max(this.lastSuccess, this.lastProbe) >= this.options.probeMs;
    if (!this.up || idle) void this.probe();
  }

  private async probe(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    this.lastProbe = Date.now();
    try {
      const problem = this.client instanceof Cluster ? await this.probeCluster(this.client) : await this.probeSingle(this.client);
      this.set(problem === undefined, problem);
    } finally {
      this.probing = false;
    }
  }

  private async probeSingle(redis: Redis): Promise<string | undefined> {
    if (redis.status !== "ready") return `connection ${redis.status}`;
    return this.within(redis.ping().then(() => undefined));
  }

  private async probeCluster(cluster: Cluster): Promise<string | undefined> {
    if (cluster.status !== "ready") return `cluster connection ${cluster.status}`;
    // While unavailable the slot map may be stale (a failover moved slots): read it again first.
    if (!this.up) await new Promise<void>((resolve) => cluster.refreshSlotsCache(() => resolve()));
    const owners = new Set<string>();
    for (let slot = 0; slot < SLOTS; slot++) {
      const owner = cluster.slots[slot]?.[0];
      if (!owner) return `slot ${slot} has no master`;
      owners.add(owner);
    }
    const masters = new Map(cluster.nodes("master").map((n) => [`${n.options.host}:${n.options.port}`, n]));
    const problems = await Promise.all([...owners].map(async (key) => {
      const node = masters.get(key);
      if (!node) return `no connection to master ${key}`;
      return this.within(node.call("CLUSTER", "INFO").then((info) => {
        const state = /cluster_state:(\w+)/.exec(String(info))?.[1];
        return state === "ok" ? undefined : `master ${key} reports cluster_state:${state}`;
      }));
    }));
    return problems.find((p) => p !== undefined);
  }

  /** A probe's answer, or why there was none within the timeout. */
  private async within(answer: Promise<string | undefined>): Promise<string | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(`no answer within ${this.options.timeoutMs} ms`), this.options.timeoutMs);
    });
    try {
      return await Promise.race([answer.catch((err: Error) => err.message), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private set(up: boolean, why?: string): void {
    if (up) this.lastSuccess = Date.now();
    if (up === this.up) return;
    this.up = up;
    if (up) this.options.logger.info("redis available again");
    else this.options.logger.warn({ why }, "redis unavailable");
    for (const l of this.listeners) l(up);
  }
}
