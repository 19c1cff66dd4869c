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
    await this.kill();
  }
}

/** A real Redis Cluster of `size` masters on loopback (no replicas), for cluster tests. */
export class TestRedisCluster {
  private constructor(readonly nodes: TestRedis[]) {}

  static async start(size = 3): Promise<TestRedisCluster> {
    const nodes = await Promise.all(
      Array.from({ length: size }, () =>
        TestRedis.start(["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000"]),
      ),
    );
    const cli = redisServerBinary().replace(/redis-server$/, "redis-cli");
    execFileSync(cli, ["--cluster", "create", ...nodes.map((n) => `127.0.0.1:${n.port}`), "--cluster-replicas", "0", "--cluster-yes"],
      { stdio: "ignore" });
    const cluster = new TestRedisCluster(nodes);
    await waitFor(async () => {
      const c = nodes[0].client();
      try {
        return (await c.call("CLUSTER", "INFO") as string).includes("cluster_state:ok");
      } finally {
        c.disconnect();
      }
    }, 20_000, "cluster_state:ok");
    return cluster;
  }

  /** Seed nodes in ROOMHISTORY_REDIS_CLUSTER form. */
  get seeds(): string {
    return this.nodes.map((n) => `127.0.0.1:${n.port}`).join(",");
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
  }
}
