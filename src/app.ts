import { Redis, Cluster } from "ioredis";
import pino, { type Logger } from "pino";
import type { Config } from "./config.js";
import { PromptTemplates } from "./prompt/templates.js";
import { startServer, type RunningServer } from "./server/server.js";
import { MemoryStore } from "./store/memory/memory-store.js";
import { RedisStore } from "./store/redis/redis-store.js";
import type { HistoryStore } from "./store/store.js";
import { LegacyBridge } from "./store/redis/legacy-bridge.js";
import { checkRoomId } from "./service/validate.js";

/** ioredis settings for a service: fail a command fast (UNAVAILABLE) rather than queue it forever. */
const REDIS_OPTIONS = {
  maxRetriesPerRequest: 2,
  enableAutoPipelining: true,
  retryStrategy: (times: number) => Math.min(50 * 2 ** times, 2000),
};

export function createStore(config: Config, logger: Logger): HistoryStore {
  const shared = {
    defaultLimit: config.maxHistory,
    ttlSeconds: config.roomTtlSeconds,
    tombstoneTtlSeconds: config.tombstoneTtlSeconds,
    idempotencyTtlSeconds: config.idempotencyTtlSeconds,
    maxEventBytes: config.maxEventBytes,
  };
  if (!config.redisUrl && !config.redisCluster) return new MemoryStore(shared);
  const redis = config.redisCluster
    ? new Cluster(config.redisCluster.map(parseHostPort), {
        shardedSubscribers: true,
        redisOptions: REDIS_OPTIONS,
        enableAutoPipelining: true,
      })
    : new Redis(config.redisUrl!, REDIS_OPTIONS);
  redis.on("error", (err: Error) => logger.warn({ err: err.message }, "redis connection error"));
  return new RedisStore(redis, {
    ...shared, prefix: config.keyPrefix, hashTag: config.keyHashTag, logger, readCacheBytes: config.readCacheBytes,
  });
}

function parseHostPort(hostPort: string): { host: string; port: number } {
  const i = hostPort.lastIndexOf(":");
  return { host: hostPort.slice(0, i), port: Number(hostPort.slice(i + 1)) };
}

export function createLogger(level: string): Logger {
  return pino({ level, base: { service: "roomhistory" } });
}

/** Builds the store, the templates and the server from a config: what main.ts and the tests share. */
export async function startApp(config: Config, logger: Logger): Promise<RunningServer> {
  const store = createStore(config, logger);
  const templates = new PromptTemplates(config.templatesDir, config.defaultTemplate);
  const app = await startServer({
    store, templates, limits: config.limits, logger, shutdownGraceMs: config.shutdownGraceMs,
    reapIntervalMs: config.reapIntervalMs,
  }, config.listen);
  return config.legacyBridge ? withLegacyBridge(app, config, logger) : app;
}

/** Starts the legacy bridge (README, "Mixed fleets"); a bridge that cannot start stops the server. */
async function withLegacyBridge(app: RunningServer, config: Config, logger: Logger): Promise<RunningServer> {
  const bridge = await LegacyBridge.start({
    url: config.redisUrl!, prefix: config.keyPrefix, hashTag: config.keyHashTag, rooms: app.watch.hub, logger,
    acceptsRoomId: (roomId) => isRoomId(roomId),
  }).catch(async (err: Error) => {
    await app.shutdown();
    throw err;
  });
  let stopping: Promise<void> | undefined;
  return { ...app, shutdown: () => (stopping ??= bridge.close().then(() => app.shutdown())) };
}

function isRoomId(roomId: string): boolean {
  try {
    checkRoomId(roomId);
    return true;
  } catch {
    return false;
  }
}
