import { readFileSync } from "node:fs";
import { Redis, Cluster } from "ioredis";
import pino, { type Logger } from "pino";
import type { Config, RedisConnection } from "./config.js";
import { PromptTemplates } from "./prompt/templates.js";
import { startServer, type RunningServer } from "./server/server.js";
import { startObservability } from "./observability/index.js";
import { MemoryStore } from "./store/memory/memory-store.js";
import { RedisStore } from "./store/redis/redis-store.js";
import type { HistoryStore } from "./store/store.js";
import { RedisAvailability } from "./store/redis/availability.js";
import { feedTimings, probeInterval } from "./store/redis/redis-feed.js";
import { LegacyBridge } from "./store/redis/legacy-bridge.js";
import { checkRoomId } from "./wire/validate.js";
import type { BankStore } from "./store/bank/bank-store.js";
import { MemoryBank } from "./store/bank/memory-bank.js";
import { RedisBank } from "./store/bank/redis-bank.js";

/**
 * The read script goes out at once instead of waiting for the next auto-pipeline flush: a serial
 * reader (one worker rendering before each model call) pays that wait on every call, while appends
 * under load gain from batching (bench: render c=1 faster, append c=50 slower without pipelining).
 */
const READS_NOT_PIPELINED = ["rhReadRoom"];

/**
 * ioredis settings for a service: fail a command fast (UNAVAILABLE) rather than queue it forever, and
 * never send a command twice on the client's own initiative (after a lost connection it may have run;
 * src/store/redis/redis-errors.ts retries only what is safe).
 */
function redisOptions(config: Config) {
  return {
    ...connectionOptions(config.redisConnection),
    maxRetriesPerRequest: 2,
    enableAutoPipelining: true,
    autoPipeliningIgnoredCommands: READS_NOT_PIPELINED,
    retryStrategy: (times: number) => Math.min(50 * 2 ** times, 2000),
    commandTimeout: config.redisCommandTimeoutMs,
    autoResendUnfulfilledCommands: false,
  };
}

/**
 * TLS and ACL credentials for every connection, a cluster's included (its nodes are found at run time,
 * so they can only come from here). The PEM files are read once: a rotated Redis CA needs a restart.
 * A URL's own user:password win: ioredis takes the URL's fields before these.
 */
function connectionOptions(c: RedisConnection) {
  const read = (path: string | undefined) => (path === undefined ? undefined : readFileSync(path));
  return {
    ...(c.username !== undefined && { username: c.username }),
    ...(c.password !== undefined && { password: c.password }),
    ...(c.tls && { tls: { ca: read(c.tls.caFile), cert: read(c.tls.certFile), key: read(c.tls.keyFile) } }),
  };
}

/**
 * Cluster settings: MOVED/ASK/TRYAGAIN/CLUSTERDOWN are followed or retried by ioredis (they mean the
 * command did not run); a command whose connection closed under it is not re-sent (it may have run:
 * retryDelayOnFailover 0). The change feed keeps its own subscriber connections (redis-feed.ts), so
 * ioredis' sharded subscribers stay off.
 */
function clusterOptions(config: Config) {
  return {
    redisOptions: redisOptions(config),
    enableAutoPipelining: true,
    autoPipeliningIgnoredCommands: READS_NOT_PIPELINED,
    maxRedirections: 16,
    retryDelayOnMoved: 0,
    retryDelayOnTryAgain: 100,
    retryDelayOnClusterDown: 100,
    retryDelayOnFailover: 0,
    slotsRefreshTimeout: Math.min(1000, config.redisCommandTimeoutMs),
  };
}

export interface Backend {
  store: HistoryStore;
  /** The namespace memory banks, on the same Redis (or in memory) as the store. */
  bank: BankStore;
  /** Redis health for the health service (undefined for the in-memory store). */
  availability?: RedisAvailability;
}

export function createStore(config: Config, logger: Logger): HistoryStore {
  return createBackend(config, logger).store;
}

/** The store, and for Redis the monitor that tells the health service whether Redis can serve. */
export function createBackend(config: Config, logger: Logger): Backend {
  const shared = {
    durability: config.durability,
    defaultLimit: config.maxHistory,
    ttlSeconds: config.roomTtlSeconds,
    tombstoneTtlSeconds: config.tombstoneTtlSeconds,
    idempotencyTtlSeconds: config.idempotencyTtlSeconds,
    maxEventBytes: config.maxEventBytes,
    maxRoomBytes: config.maxRoomBytes,
    readCacheBytes: config.readCacheBytes,
    archiveMaxBytes: config.archiveMaxBytes,
    archiveTtlSeconds: config.archiveTtlSeconds,
  };
  if (!config.redisUrl && !config.redisCluster) return withBank({ store: new MemoryStore(shared) }, new MemoryBank(), logger);
  const redis = config.redisCluster
    ? new Cluster(config.redisCluster.map(parseHostPort), clusterOptions(config))
    : new Redis(config.redisUrl!, redisOptions(config));
  redis.on("error", (err: Error) => logger.warn({ err: err.message }, "redis connection error"));
  const timeoutMs = config.redisCommandTimeoutMs;
  const availability = new RedisAvailability(redis, { timeoutMs, probeMs: probeInterval(timeoutMs), logger });
  const store = new RedisStore(redis, {
    ...shared, prefix: config.keyPrefix, hashTag: config.keyHashTag, logger,
    feed: feedTimings(redis),
  });
  return withBank({ store, availability }, new RedisBank(redis, { prefix: config.keyPrefix, hashTag: config.keyHashTag }), logger);
}

/**
 * The bank's activity index follows every namespaced room's turns through the store's turn observer;
 * a failure there is logged, never thrown (the turn is committed; the room is noted on its next turn).
 */
function withBank(backend: Omit<Backend, "bank">, bank: BankStore, logger: Logger): Backend {
  backend.store.setTurnObserver((t) => {
    bank.noteTurn(t.roomId, t.namespace, t.version, t.atMs).catch((err: Error) =>
      logger.warn({ roomId: t.roomId, namespace: t.namespace, err: err.message }, "memory bank: noting a turn failed"));
  });
  return { ...backend, bank };
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
  const { store, availability, bank } = createBackend(config, logger);
  const templates = new PromptTemplates(config.templatesDir, config.defaultTemplate);
  const observability = await startObservability(config, logger);
  const app = await startServer({
    store, bank, templates, limits: config.limits, logger, shutdownGraceMs: config.shutdownGraceMs,
    availability: availability && ((listener: (up: boolean) => void) => availability.onChange(listener)),
    reapIntervalMs: config.reapIntervalMs,
    maxReplyBytes: config.maxReplyBytes,
    auth: config.auth,
    tls: config.tls,
    reflection: config.reflection,
    interceptors: observability.interceptors,
  }, config.listen).catch(async (err: Error) => {
    await observability.close();
    throw err;
  });
  const observed = { ...withClose(app, () => observability.close()), metricsAddress: observability.metricsAddress };
  observability.attach(observed);
  return config.legacyBridge ? withLegacyBridge(observed, config, logger) : observed;
}

/** Starts the legacy bridge (README, "Mixed fleets"); a bridge that cannot start stops the server. */
async function withLegacyBridge(app: RunningServer, config: Config, logger: Logger): Promise<RunningServer> {
  const bridge = await LegacyBridge.start({
    url: config.redisUrl!, connection: connectionOptions(config.redisConnection), prefix: config.keyPrefix, hashTag: config.keyHashTag, rooms: app.watch.hub, logger,
    acceptsRoomId: (roomId) => isRoomId(roomId),
  }).catch(async (err: Error) => {
    await app.shutdown();
    throw err;
  });
  let stopping: Promise<void> | undefined;
  return { ...app, shutdown: () => (stopping ??= bridge.close().then(() => app.shutdown())) };
}

/** The server, whose shutdown also runs `close` once it has drained. */
function withClose(app: RunningServer, close: () => Promise<void>): RunningServer {
  let stopping: Promise<void> | undefined;
  return { ...app, shutdown: () => (stopping ??= app.shutdown().finally(close)) };
}

function isRoomId(roomId: string): boolean {
  try {
    checkRoomId(roomId);
    return true;
  } catch {
    return false;
  }
}
