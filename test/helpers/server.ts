import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { credentials } from "@grpc/grpc-js";
import pino from "pino";
import { RoomHistoryServiceClient } from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import { loadConfig, type Config } from "../../src/config.js";
import { startApp } from "../../src/app.js";
import type { RunningServer } from "../../src/server/server.js";
import { freePort, waitFor } from "./ports.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** A unique key prefix per test, so tests sharing one redis-server never see each other's rooms. */
export function uniquePrefix(tag = "t"): string {
  return `rhtest:${tag}:${Math.random().toString(36).slice(2, 10)}`;
}

export interface TestServer {
  app: RunningServer;
  address: string;
  client: RoomHistoryServiceClient;
  stop(): Promise<void>;
}

/** An in-process server on 127.0.0.1:0 with the given environment-style settings. */
export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const config: Config = loadConfig({ ROOMHISTORY_LISTEN: "127.0.0.1:0", ...env });
  const logger = pino({ level: process.env.ROOMHISTORY_TEST_LOG ?? "silent" });
  const app = await startApp({ ...config, shutdownGraceMs: 2000 }, logger);
  const client = new RoomHistoryServiceClient(app.address, credentials.createInsecure());
  return {
    app,
    address: app.address,
    client,
    async stop() {
      client.close();
      await app.shutdown();
    },
  };
}

/** A server as a separate process (`tsx src/main.ts`), for kill/restart tests. */
export class ServerProcess {
  private proc?: ChildProcess;
  log = "";

  private constructor(readonly port: number, private readonly env: Record<string, string>) {}

  static async start(env: Record<string, string>, port?: number): Promise<ServerProcess> {
    const s = new ServerProcess(port ?? (await freePort()), env);
    await s.launch();
    return s;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** The process id while it runs (e.g. to read its memory from /proc/<pid>/status). */
  get pid(): number | undefined {
    return this.proc?.pid;
  }

  async launch(): Promise<void> {
    this.log = "";
    this.proc = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: ROOT,
      env: { ...process.env, ...this.env, ROOMHISTORY_LISTEN: this.address, ROOMHISTORY_SHUTDOWN_GRACE_MS: "2000" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.proc.stdout!.on("data", (d: Buffer) => (this.log += d.toString()));
    this.proc.stderr!.on("data", (d: Buffer) => (this.log += d.toString()));
    try {
      await waitFor(() => this.log.includes("serving on") || this.proc!.exitCode !== null, 30_000, "server process");
    } catch (err) {
      await this.kill(); // a server that never said it serves must not outlive the test
      throw new Error(`${(err as Error).message}: ${this.log}`);
    }
    if (this.proc.exitCode !== null) throw new Error(`server exited: ${this.log}`);
  }

  /** SIGKILL: no graceful anything, as a crash. */
  async kill(): Promise<void> {
    await this.signal("SIGKILL");
  }

  /** SIGTERM: the graceful path. */
  async stop(): Promise<void> {
    await this.signal("SIGTERM");
  }

  /** SIGSTOP: the process hangs with its connections open, as a frozen host; thaw() lets it go on. */
  freeze(): void {
    this.proc?.kill("SIGSTOP");
  }

  /** SIGCONT after freeze(). */
  thaw(): void {
    this.proc?.kill("SIGCONT");
  }

  private async signal(sig: NodeJS.Signals): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once("exit", () => resolve());
      proc.kill(sig);
    });
  }
}

/**
 * Registers hooks that start one server on a fresh redis-server and one on the in-memory store, so a
 * suite can run the same cases against both (`describe.each(STORE_KINDS)`).
 */
export const STORE_KINDS = ["redis", "memory"] as const;

export function serversForEachStore(hooks: {
  beforeAll(fn: () => Promise<void>): void;
  afterAll(fn: () => Promise<void>): void;
}): Record<(typeof STORE_KINDS)[number], TestServer> {
  const servers = {} as Record<(typeof STORE_KINDS)[number], TestServer>;
  let redis: { url: string; stop(): Promise<void> } | undefined;
  hooks.beforeAll(async () => {
    const { TestRedis } = await import("./redis.js");
    redis = await TestRedis.start();
    servers.redis = await startTestServer({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix() });
    servers.memory = await startTestServer();
  });
  hooks.afterAll(async () => {
    await Promise.all(Object.values(servers).map((s) => s.stop()));
    await redis?.stop();
  });
  return servers;
}
