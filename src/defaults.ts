/**
 * Every setting's default, in one place. src/config.ts reads the environment over these (README.md,
 * "Configuration", names each variable); the stores, handlers and server fall back to the same values
 * when a caller (a test, a tool, the bench) leaves a setting out. No other module writes a default.
 */

export const DEFAULT_LISTEN = "127.0.0.1:50051";
export const DEFAULT_KEY_PREFIX = "sg:conversation";
export const DEFAULT_TEMPLATE = "system.j2";
/** The legacy manager's max_history: a room's window unless SetRoomLimit set another. */
export const DEFAULT_MAX_HISTORY = 100;
/** Idle retention of a room; 0 keeps rooms until deleted. */
export const DEFAULT_ROOM_TTL_SECONDS = 0;
export const DEFAULT_TOMBSTONE_TTL_SECONDS = 30 * 24 * 3600;
export const DEFAULT_IDEMPOTENCY_TTL_SECONDS = 24 * 3600;
export const DEFAULT_REAP_INTERVAL_MS = 1000;
export const DEFAULT_MAX_EVENT_BYTES = 64 * 1024;
export const DEFAULT_READ_CACHE_BYTES = 64 * 1024 * 1024;
export const DEFAULT_MAX_ROOM_BYTES = 8 * 1024 * 1024;
/** A room's archive (pruned and compacted entries): at most this many bytes, oldest evicted first. */
export const DEFAULT_ARCHIVE_MAX_BYTES = 64 * 1024 * 1024;
/** A room's archive expires this long after its last archiving. */
export const DEFAULT_ARCHIVE_TTL_SECONDS = 30 * 24 * 3600;
/** The largest GetHistory or RenderMessages reply. */
export const DEFAULT_MAX_REPLY_BYTES = 16 * 1024 * 1024;
/** Request limits (src/wire/validate.ts, Limits). */
export const DEFAULT_LIMITS = {
  maxMessageBytes: 1024 * 1024,
  maxBatchMessages: 500,
  maxContextBytes: 64 * 1024,
  maxWatchRooms: 10_000,
} as const;
/**
 * Per-token quotas (src/auth/quota.ts): 0 turns each off. A burst of 0 is one second's rate.
 * They apply only with ROOMHISTORY_TOKENS_FILE (a quota belongs to a token) and count per process.
 */
export const DEFAULT_QUOTAS = {
  callsPerSecond: 0,
  callsBurst: 0,
  appendBytesPerSecond: 0,
  appendBytesBurst: 0,
  watchStreams: 0,
} as const;
export const DEFAULT_LOG_LEVEL = "info";
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;
/** A Redis command unanswered this long fails with UNAVAILABLE. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 2000;
/** What every mutation waits for unless its request asks otherwise: no replicas, no fsync. */
export const DEFAULT_DURABILITY = { replicas: 0, timeoutMs: 100, fsync: false } as const;
/** How often the TLS certificate files are read again for a rotated certificate (SIGHUP: at once). */
export const DEFAULT_TLS_RELOAD_INTERVAL_MS = 10_000;
/** gRPC server reflection (grpcurl list/describe) is on unless ROOMHISTORY_REFLECTION=false. */
export const DEFAULT_REFLECTION = true;
