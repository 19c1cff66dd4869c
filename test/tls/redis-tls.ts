import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { freePort, waitFor } from "../helpers/ports.js";
import { redisServerBinary } from "../helpers/redis.js";
import type { TestCerts } from "./certs.js";

/** The ACL user every TLS test Redis knows, besides the default user's password. */
export const ACL_USER = { username: "app", password: "app-secret" };
export const DEFAULT_PASSWORD = "default-secret";

export interface TlsRedisOptions {
  /** Client certificates required (Redis' own default, tls-auth-clients yes). */
  clientCerts?: boolean;
  extraArgs?: string[];
}

/** A redis-server that speaks only TLS (--port 0) with the test CA's server certificate and two logins. */
export class TlsRedis {
  private proc?: ChildProcess;
  readonly dir = mkdtempSync(join(tmpdir(), "roomhistory-redis-tls-"));

  private constructor(readonly port: number, private readonly certs: TestCerts, private readonly options: TlsRedisOptions) {}

  static async start(certs: TestCerts, options: TlsRedisOptions = {}, port?: number): Promise<TlsRedis> {
    const r = new TlsRedis(port ?? (await freePort()), certs, options);
    await r.launch();
    return r;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  private async launch(): Promise<void> {
    const c = this.certs;
    this.proc = spawn(redisServerBinary(), [
      "--port", "0", "--tls-port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
      "--dir", this.dir, "--tls-cert-file", c.server.cert, "--tls-key-file", c.server.key, "--tls-ca-cert-file", c.ca,
      "--tls-auth-clients", this.options.clientCerts ? "yes" : "no",
      "--requirepass", DEFAULT_PASSWORD, "--user", ACL_USER.username, "on", `>${ACL_USER.password}`, "~*", "&*", "+@all",
      ...(this.options.extraArgs ?? []),
    ], { stdio: "ignore" });
    const proc = this.proc;
    process.once("exit", () => proc.kill("SIGKILL"));
    await waitFor(async () => {
      const client = this.client();
      try {
        return (await client.ping()) === "PONG";
      } catch {
        return false;
      } finally {
        client.disconnect();
      }
    }, 10_000, `TLS redis-server on port ${this.port}`);
  }

  /** A TLS client logged in as the ACL user (with the client certificate when the server asks for one). */
  client(): Redis {
    const c = this.certs;
    const r = new Redis(this.port, "127.0.0.1", {
      ...ACL_USER, lazyConnect: false, maxRetriesPerRequest: 0, retryStrategy: () => null,
      tls: { ca: readFileSync(c.ca), cert: readFileSync(c.client.cert), key: readFileSync(c.client.key) },
    });
    r.on("error", () => undefined);
    return r;
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once("exit", () => resolve());
      proc.kill("SIGKILL");
    });
  }
}

/** A Redis Cluster of TLS-only masters (TLS on the cluster bus too), made with redis-cli --tls. */
export class TlsRedisCluster {
  private constructor(readonly nodes: TlsRedis[]) {}

  static async start(certs: TestCerts, masters = 3): Promise<TlsRedisCluster> {
    const nodes = await Promise.all(Array.from({ length: masters }, () => TlsRedis.start(certs, {
      extraArgs: ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--tls-cluster", "yes",
        "--masterauth", DEFAULT_PASSWORD],
    })));
    const cli = redisServerBinary().replace(/redis-server$/, "redis-cli");
    execFileSync(cli, ["--tls", "--cacert", certs.ca, "--user", ACL_USER.username, "--pass", ACL_USER.password, "--no-auth-warning",
      "--cluster", "create", ...nodes.map((n) => n.address), "--cluster-yes"], { stdio: "ignore" });
    const cluster = new TlsRedisCluster(nodes);
    await waitFor(async () => {
      const states = await Promise.all(nodes.map(async (n) => {
        const c = n.client();
        try {
          return String(await c.call("CLUSTER", "INFO")).includes("cluster_state:ok");
        } catch {
          return false;
        } finally {
          c.disconnect();
        }
      }));
      return states.every(Boolean);
    }, 30_000, "a healthy TLS cluster");
    return cluster;
  }

  get seeds(): string {
    return this.nodes.map((n) => n.address).join(",");
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
  }
}
