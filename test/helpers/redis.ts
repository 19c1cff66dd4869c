import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { freePort, waitFor } from "./ports.js";

/** The redis-server binary: $REDIS_SERVER, else the one on PATH (scripts/test.sh installs it). */
export function redisServerBinary(): string {
  if (process.env.REDIS_SERVER) return process.env.REDIS_SERVER;
  try {
    return execFileSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" }).trim();
  } catch {
    throw new Error("redis-server not found: run the README's test command (scripts/test.sh), which installs it");
  }
}

/** A real redis-server on a free loopback port, for one test file. */
export class TestRedis {
  private proc?: ChildProcess;
  readonly dir = mkdtempSync(join(tmpdir(), "roomhistory-redis-"));

  private constructor(readonly port: number, private readonly extraArgs: string[]) {}

  static async start(extraArgs: string[] = []): Promise<TestRedis> {
    const r = new TestRedis(await freePort(), extraArgs);
    await r.launch();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** A fresh client; the caller quits it. */
  client(): Redis {
    return new Redis(this.port, "127.0.0.1", { maxRetriesPerRequest: 1 });
  }

  async launch(): Promise<void> {
    this.proc = spawn(
      redisServerBinary(),
      ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", this.dir,
        ...this.extraArgs],
      { stdio: "ignore" },
    );
    // Should a test file die before its afterAll, its redis-server dies with it instead of lingering.
    const proc = this.proc;
    process.once("exit", () => proc.kill("SIGKILL"));
    await waitFor(async () => {
      const c = new Redis(this.port, "127.0.0.1", { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      c.on("error", () => undefined);
      try {
        await c.connect();
        return (await c.ping()) === "PONG";
      } catch {
        return false;
      } finally {
        c.disconnect();
      }
    }, 10_000, `redis-server on port ${this.port}`);
  }

  /** Kills the server (data is lost: it runs without persistence). */
  async kill(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once("exit", () => resolve());
      proc.kill("SIGKILL");
    });
  }

  async stop(): Promise<void> {
    if (this.proc?.signalCode === null && this.proc.exitCode === null) this.proc.kill("SIGCONT"); // a frozen one dies too
    await this.kill();
  }

  /** SIGSTOP: the server hangs with its connections open (a frozen host); thaw() lets it go on. */
  freeze(): void {
    this.proc?.kill("SIGSTOP");
  }

  thaw(): void {
    this.proc?.kill("SIGCONT");
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }
}

export interface ClusterShape {
  masters?: number;
  /** Replicas per master (0: none). */
  replicas?: number;
  /** cluster-node-timeout: how long a silent master goes before its replica takes over. */
  nodeTimeoutMs?: number;
}

/** A real Redis Cluster on loopback (by default 3 masters, no replicas), for cluster tests. */
export class TestRedisCluster {
  private constructor(readonly nodes: TestRedis[]) {}

  static async start(shape: number | ClusterShape = 3): Promise<TestRedisCluster> {
    const { masters = 3, replicas = 0, nodeTimeoutMs = 2000 } = typeof shape === "number" ? { masters: shape } : shape;
    const nodes = await Promise.all(
      Array.from({ length: masters * (1 + replicas) }, () =>
        TestRedis.start(["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
          "--cluster-node-timeout", String(nodeTimeoutMs)]),
      ),
    );
    execFileSync(redisCli(), ["--cluster", "create", ...nodes.map((n) => n.address), "--cluster-replicas", String(replicas),
      "--cluster-yes"], { stdio: "ignore" });
    const cluster = new TestRedisCluster(nodes);
    await cluster.waitHealthy(30_000);
    return cluster;
  }

  /** Seed nodes in ROOMHISTORY_REDIS_CLUSTER form. */
  get seeds(): string {
    return this.nodes.map((n) => n.address).join(",");
  }

  /** The node answering at `address` (host:port). */
  node(address: string): TestRedis {
    const n = this.nodes.find((x) => x.address === address);
    if (!n) throw new Error(`no test node at ${address}`);
    return n;
  }

  /** The master serving `key`'s slot and its replicas, as one live node currently sees it (CLUSTER NODES). */
  async shardOf(key: string): Promise<{ master: TestRedis; replicas: TestRedis[] }> {
    const c = await this.anyLiveClient();
    try {
      const slot = Number(await c.call("CLUSTER", "KEYSLOT", key));
      const nodes = String(await c.call("CLUSTER", "NODES")).trim().split("\n").map((line) => {
        const [id, addr, flags, masterId, , , , , ...slots] = line.split(" ");
        return { id, address: addr.split("@")[0], flags: flags.split(","), masterId, slots };
      });
      const owns = (ranges: string[]) => ranges.some((r) => {
        const [lo, hi = lo] = r.split("-").map(Number);
        return slot >= lo && slot <= hi;
      });
      const master = nodes.find((n) => n.flags.includes("master") && !n.flags.includes("fail") && owns(n.slots));
      if (!master) throw new Error(`slot ${slot} has no master`);
      const replicas = nodes.filter((n) => n.masterId === master.id && !n.flags.includes("fail"));
      return { master: this.node(master.address), replicas: replicas.map((r) => this.node(r.address)) };
    } finally {
      c.disconnect();
    }
  }

  /**
   * Resolves once every live node reports cluster_state:ok, agrees on each slot's master, and every
   * replica's link to its master is up.
   */
  async waitHealthy(timeoutMs = 30_000): Promise<void> {
    await waitFor(async () => {
      const views = await Promise.all(this.nodes.map(async (n) => {
        const c = quickClient(n.port);
        try {
          const [info, slots, repl] = await Promise.all([
            c.call("CLUSTER", "INFO") as Promise<string>,
            c.call("CLUSTER", "SLOTS") as Promise<[number, number, [string, number]][]>,
            c.info("replication"),
          ]);
          if (!info.includes("cluster_state:ok")) return undefined;
          if (repl.includes("role:slave") && !repl.includes("master_link_status:up")) return undefined;
          return JSON.stringify(slots.map(([lo, hi, m]) => [lo, hi, m[1]]).sort((a, b) => a[0] - b[0]));
        } catch {
          return "down"; // a killed or frozen node does not vote
        } finally {
          c.disconnect();
        }
      }));
      const live = views.filter((v) => v !== "down");
      return live.length > 0 && live.every((v) => v !== undefined && v === live[0]);
    }, timeoutMs, "a healthy cluster");
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
  }

  private async anyLiveClient(): Promise<Redis> {
    for (const n of this.nodes) {
      const c = quickClient(n.port);
      try {
        await c.ping();
        return c;
      } catch {
        c.disconnect();
      }
    }
    throw new Error("no cluster node answers");
  }
}

/** A client that fails at once (no retries, 500 ms timeout): for asking nodes that may be dead or frozen. */
function quickClient(port: number): Redis {
  const c = new Redis(port, "127.0.0.1", { maxRetriesPerRequest: 0, commandTimeout: 500, retryStrategy: () => null });
  c.on("error", () => undefined);
  return c;
}

function redisCli(): string {
  return redisServerBinary().replace(/redis-server$/, "redis-cli");
}
