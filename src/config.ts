import { fileURLToPath } from "node:url";
import type { Limits } from "./wire/validate.js";
import * as D from "./defaults.js";
import type { AuthOptions } from "./auth/auth.js";
import type { TlsFiles } from "./server/tls.js";
import { checkListen, type ListenSecurity } from "./server/listen-policy.js";

/**
 * Every setting, read from the environment once at start (documented in README.md, "Configuration"),
 * over the defaults in src/defaults.ts.
 */
export interface Config {
  listen: string;
  redisUrl?: string;
  redisCluster?: string[];
  keyPrefix: string;
  keyHashTag: boolean;
  /** Relay legacy writers' changes (seen as Redis keyspace notifications) to watchers; single Redis only. */
  legacyBridge: boolean;
  templatesDir: string;
  defaultTemplate: string;
  maxHistory: number;
  roomTtlSeconds: number;
  /** How long a deleted or expired room's version and seq counter are kept (0: forever). */
  tombstoneTtlSeconds: number;
  /** How long an append's idempotency key is remembered. */
  idempotencyTtlSeconds: number;
  /** How often this replica reaps idle rooms, in ms (0: never; ReapIdleRooms still works). */
  reapIntervalMs: number;
  maxEventBytes: number;
  readCacheBytes: number;
  /** Bytes of stored entries a room's window keeps (its byte budget) unless SetRoomLimit set a smaller one. */
  maxRoomBytes: number;
  /** The largest GetHistory or RenderMessages reply; GetHistory pages stop at it. */
  maxReplyBytes: number;
  /** Bytes a room's archive keeps, oldest evicted first (0: no limit). */
  archiveMaxBytes: number;
  /** Seconds a room's archive lives after its last archiving (0: as long as the room). */
  archiveTtlSeconds: number;
  limits: Limits;
  logLevel: string;
  shutdownGraceMs: number;
  /** A Redis command unanswered this long fails with UNAVAILABLE (and health goes NOT_SERVING). */
  redisCommandTimeoutMs: number;
  /** Replicas (and AOF fsync) every mutation waits for unless its request asks otherwise. */
  durability: { replicas: number; timeoutMs: number; fsync: boolean };
  /** Tokens and quotas (ROOMHISTORY_TOKENS_FILE, ROOMHISTORY_QUOTA_*); undefined: no authentication. */
  auth?: AuthOptions;
  /** TLS for clients (ROOMHISTORY_TLS_CERT/_KEY, mTLS with ROOMHISTORY_TLS_CLIENT_CA); undefined: plaintext. */
  tls?: TlsFiles;
  /** Listen on a non-loopback address without TLS and tokens anyway (src/server/listen-policy.ts). */
  allowInsecure: boolean;
  /** gRPC server reflection (grpcurl list/describe) is served. */
  reflection: boolean;
  /** How Redis connections encrypt and log in, over what ROOMHISTORY_REDIS_URL itself says. */
  redisConnection: RedisConnection;
  /** Serve Prometheus metrics at http://<this>/metrics (ROOMHISTORY_METRICS_LISTEN, host:port); off when unset. */
  metricsListen?: string;
  /** Export traces over OTLP/HTTP (the standard OTEL_* variables); off without an endpoint. */
  tracing?: TracingConfig;
}

/** Where traces go and under what service name. */
export interface TracingConfig {
  /** The OTLP/HTTP traces URL: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or OTEL_EXPORTER_OTLP_ENDPOINT + "/v1/traces". */
  tracesUrl: string;
  /** OTEL_SERVICE_NAME, default "roomhistory". */
  serviceName: string;
}

/** Redis TLS (PEM file paths) and credentials: the only way to give them to a cluster's seeds. */
export interface RedisConnection {
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
  /** An ACL user; the URL's own user:password win over these. */
  username?: string;
  password?: string;
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer >= ${min}, got "${raw}"`);
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.toLowerCase();
  if (raw === undefined || raw === "") return fallback;
  if (["1", "true", "yes", "on"].includes(raw)) return true;
  if (["0", "false", "no", "off"].includes(raw)) return false;
  throw new Error(`${name} must be true or false, got "${env[name]}"`);
}

/** Tokens need a file; quotas need tokens (a quota is per token), so they are ignored without one. */
function authOptions(env: Env): AuthOptions | undefined {
  const tokensFile = env.ROOMHISTORY_TOKENS_FILE || undefined;
  if (!tokensFile) return undefined;
  const q = D.DEFAULT_QUOTAS;
  return {
    tokensFile,
    quotas: {
      callsPerSecond: int(env, "ROOMHISTORY_QUOTA_CALLS_PER_SECOND", q.callsPerSecond),
      callsBurst: int(env, "ROOMHISTORY_QUOTA_CALLS_BURST", q.callsBurst),
      appendBytesPerSecond: int(env, "ROOMHISTORY_QUOTA_APPEND_BYTES_PER_SECOND", q.appendBytesPerSecond),
      appendBytesBurst: int(env, "ROOMHISTORY_QUOTA_APPEND_BYTES_BURST", q.appendBytesBurst),
      watchStreams: int(env, "ROOMHISTORY_QUOTA_WATCH_STREAMS", q.watchStreams),
    },
  };
}

/** Keyspace notifications are node-local: on a cluster the bridge would miss other nodes' writes. */
function legacyBridge(env: Env, cluster: string[] | undefined): boolean {
  const on = bool(env, "ROOMHISTORY_LEGACY_BRIDGE", false);
  if (on && cluster?.length) {
    throw new Error("ROOMHISTORY_LEGACY_BRIDGE needs a single Redis (ROOMHISTORY_REDIS_URL), not ROOMHISTORY_REDIS_CLUSTER: "
      + "keyspace notifications are node-local, so the bridge would miss writes on other nodes");
  }
  if (on && !env.ROOMHISTORY_REDIS_URL) throw new Error("ROOMHISTORY_LEGACY_BRIDGE needs ROOMHISTORY_REDIS_URL");
  return on;
}

/**
 * The room byte budget and the reply limit. A rendered window (one form) takes about its stored bytes
 * plus the system prompt, so the reply limit must leave it that much room: RenderMessages cannot page.
 */
function replyLimits(env: Env): { maxRoomBytes: number; maxReplyBytes: number } {
  const maxRoomBytes = int(env, "ROOMHISTORY_MAX_ROOM_BYTES", D.DEFAULT_MAX_ROOM_BYTES, 64 * 1024);
  const maxReplyBytes = int(env, "ROOMHISTORY_MAX_REPLY_BYTES", D.DEFAULT_MAX_REPLY_BYTES, 1);
  if (maxReplyBytes < maxRoomBytes + 1024 * 1024) {
    throw new Error(`ROOMHISTORY_MAX_REPLY_BYTES (${maxReplyBytes}) must be at least ROOMHISTORY_MAX_ROOM_BYTES + 1 MiB ` +
      `(${maxRoomBytes + 1024 * 1024}): a room is rendered in one reply`);
  }
  return { maxRoomBytes, maxReplyBytes };
}

/** Both of ROOMHISTORY_TLS_CERT and _KEY, or neither; a client CA only with them. */
function serverTls(env: Env): TlsFiles | undefined {
  const certFile = env.ROOMHISTORY_TLS_CERT || undefined;
  const keyFile = env.ROOMHISTORY_TLS_KEY || undefined;
  const clientCaFile = env.ROOMHISTORY_TLS_CLIENT_CA || undefined;
  if (!certFile !== !keyFile) {
    throw new Error(`ROOMHISTORY_TLS_CERT and ROOMHISTORY_TLS_KEY go together: ${certFile ? "ROOMHISTORY_TLS_KEY" : "ROOMHISTORY_TLS_CERT"} `
      + "is missing (set both for TLS, neither for plaintext)");
  }
  if (clientCaFile && !certFile) {
    throw new Error("ROOMHISTORY_TLS_CLIENT_CA needs ROOMHISTORY_TLS_CERT and ROOMHISTORY_TLS_KEY: client certificates are asked for in a TLS handshake");
  }
  return certFile && keyFile ? { certFile, keyFile, clientCaFile } : undefined;
}

/** TLS is on for a rediss:// URL or ROOMHISTORY_REDIS_TLS=true; a TLS file without TLS is a mistake, not ignored. */
function redisConnection(env: Env): RedisConnection {
  const rediss = (env.ROOMHISTORY_REDIS_URL ?? "").startsWith("rediss://");
  const tls = bool(env, "ROOMHISTORY_REDIS_TLS", rediss);
  if (rediss && !tls) throw new Error("ROOMHISTORY_REDIS_TLS=false contradicts the rediss:// URL of ROOMHISTORY_REDIS_URL");
  const caFile = env.ROOMHISTORY_REDIS_TLS_CA || undefined;
  const certFile = env.ROOMHISTORY_REDIS_TLS_CERT || undefined;
  const keyFile = env.ROOMHISTORY_REDIS_TLS_KEY || undefined;
  if (!tls && (caFile || certFile || keyFile)) {
    throw new Error("ROOMHISTORY_REDIS_TLS_CA/_CERT/_KEY need TLS to Redis: use a rediss:// URL or ROOMHISTORY_REDIS_TLS=true");
  }
  if (!certFile !== !keyFile) throw new Error("ROOMHISTORY_REDIS_TLS_CERT and ROOMHISTORY_REDIS_TLS_KEY go together");
  return {
    tls: tls ? { caFile, certFile, keyFile } : undefined,
    username: env.ROOMHISTORY_REDIS_USERNAME || undefined,
    password: env.ROOMHISTORY_REDIS_PASSWORD || undefined,
  };
}

export function loadConfig(env: Env = process.env): Config {
  const config = settings(env);
  checkListen(listenSecurity(config));
  return config;
}

/** What decides whether the listen address is safe (src/server/listen-policy.ts). */
export function listenSecurity(config: Config): ListenSecurity {
  return { listen: config.listen, tls: config.tls !== undefined, tokens: config.auth !== undefined, allowInsecure: config.allowInsecure };
}

function settings(env: Env): Config {
  const cluster = env.ROOMHISTORY_REDIS_CLUSTER?.split(",").map((s) => s.trim()).filter(Boolean);
  return {
    listen: env.ROOMHISTORY_LISTEN || D.DEFAULT_LISTEN,
    redisUrl: env.ROOMHISTORY_REDIS_URL || undefined,
    redisCluster: cluster?.length ? cluster : undefined,
    keyPrefix: env.ROOMHISTORY_KEY_PREFIX || D.DEFAULT_KEY_PREFIX,
    keyHashTag: bool(env, "ROOMHISTORY_KEY_HASHTAG", true),
    legacyBridge: legacyBridge(env, cluster),
    templatesDir: env.ROOMHISTORY_TEMPLATES || fileURLToPath(new URL("../templates", import.meta.url)),
    defaultTemplate: env.ROOMHISTORY_DEFAULT_TEMPLATE || D.DEFAULT_TEMPLATE,
    // The legacy manager's max_history applies unclamped; per-room overrides are clamped to [50, 1000].
    maxHistory: int(env, "ROOMHISTORY_MAX_HISTORY", D.DEFAULT_MAX_HISTORY, 1),
    roomTtlSeconds: int(env, "ROOMHISTORY_ROOM_TTL_SECONDS", D.DEFAULT_ROOM_TTL_SECONDS),
    tombstoneTtlSeconds: int(env, "ROOMHISTORY_TOMBSTONE_TTL_SECONDS", D.DEFAULT_TOMBSTONE_TTL_SECONDS),
    idempotencyTtlSeconds: int(env, "ROOMHISTORY_IDEMPOTENCY_TTL_SECONDS", D.DEFAULT_IDEMPOTENCY_TTL_SECONDS, 1),
    reapIntervalMs: int(env, "ROOMHISTORY_REAP_INTERVAL_MS", D.DEFAULT_REAP_INTERVAL_MS),
    maxEventBytes: int(env, "ROOMHISTORY_MAX_EVENT_BYTES", D.DEFAULT_MAX_EVENT_BYTES),
    readCacheBytes: int(env, "ROOMHISTORY_READ_CACHE_BYTES", D.DEFAULT_READ_CACHE_BYTES),
    ...replyLimits(env),
    archiveMaxBytes: int(env, "ROOMHISTORY_ARCHIVE_MAX_BYTES", D.DEFAULT_ARCHIVE_MAX_BYTES),
    archiveTtlSeconds: int(env, "ROOMHISTORY_ARCHIVE_TTL_SECONDS", D.DEFAULT_ARCHIVE_TTL_SECONDS),
    limits: {
      maxMessageBytes: int(env, "ROOMHISTORY_MAX_MESSAGE_BYTES", D.DEFAULT_LIMITS.maxMessageBytes, 1),
      maxBatchMessages: int(env, "ROOMHISTORY_MAX_BATCH_MESSAGES", D.DEFAULT_LIMITS.maxBatchMessages, 1),
      maxContextBytes: int(env, "ROOMHISTORY_MAX_CONTEXT_BYTES", D.DEFAULT_LIMITS.maxContextBytes, 1),
      maxWatchRooms: int(env, "ROOMHISTORY_MAX_WATCH_ROOMS", D.DEFAULT_LIMITS.maxWatchRooms, 1),
    },
    logLevel: env.ROOMHISTORY_LOG_LEVEL || D.DEFAULT_LOG_LEVEL,
    shutdownGraceMs: int(env, "ROOMHISTORY_SHUTDOWN_GRACE_MS", D.DEFAULT_SHUTDOWN_GRACE_MS),
    redisCommandTimeoutMs: int(env, "ROOMHISTORY_REDIS_COMMAND_TIMEOUT_MS", D.DEFAULT_COMMAND_TIMEOUT_MS, 1),
    durability: {
      replicas: int(env, "ROOMHISTORY_DURABILITY_REPLICAS", D.DEFAULT_DURABILITY.replicas),
      timeoutMs: int(env, "ROOMHISTORY_DURABILITY_TIMEOUT_MS", D.DEFAULT_DURABILITY.timeoutMs, 1),
      fsync: bool(env, "ROOMHISTORY_DURABILITY_FSYNC", D.DEFAULT_DURABILITY.fsync),
    },
    auth: authOptions(env),
    tls: serverTls(env),
    allowInsecure: bool(env, "ROOMHISTORY_ALLOW_INSECURE", false),
    reflection: bool(env, "ROOMHISTORY_REFLECTION", D.DEFAULT_REFLECTION),
    redisConnection: redisConnection(env),
    metricsListen: hostPort(env, "ROOMHISTORY_METRICS_LISTEN"),
    tracing: tracing(env),
  };
}

/**
 * The OpenTelemetry SDK's own variables: an endpoint turns traces on, OTEL_SDK_DISABLED=true or
 * OTEL_TRACES_EXPORTER=none turns them off again.
 */
function tracing(env: Env): TracingConfig | undefined {
  if (env.OTEL_SDK_DISABLED?.toLowerCase() === "true" || env.OTEL_TRACES_EXPORTER?.toLowerCase() === "none") return undefined;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const tracesUrl = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || (base ? `${base.replace(/\/+$/, "")}/v1/traces` : undefined);
  if (!tracesUrl) return undefined;
  if (!/^https?:\/\/[^/]/.test(tracesUrl)) throw new Error(`the OTLP traces endpoint must be an http(s) URL, not ${JSON.stringify(tracesUrl)}`);
  return { tracesUrl, serviceName: env.OTEL_SERVICE_NAME || "roomhistory" };
}

/** An optional "host:port" setting ("[::1]:9464" for IPv6); port 0 picks a free port. */
function hostPort(env: Env, name: string): string | undefined {
  const value = env[name];
  if (!value) return undefined;
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+):(\d{1,5})$/.exec(value);
  if (!m || Number(m[2]) > 65535) throw new Error(`${name} must be host:port (e.g. 127.0.0.1:9464), not ${JSON.stringify(value)}`);
  return value;
}

