import { Redis } from "ioredis";
import pino from "pino";
import { RedisStore } from "../../src/store/redis/redis-store.js";
import { messageToEntry } from "../../src/wire/convert.js";
import type { Message } from "@roomhistory/client/gen/roomhistory/v1/message.js";

/**
 * The Redis floor: append-6.lua called through the service's own RedisStore (defineScripts, EVALSHA,
 * the same arguments and the same ioredis options as src/app.ts) from the bench process, with no
 * gRPC in between. With a read cache (`readCacheBytes`), a repeated read of an unchanged room is the
 * revalidation alone (read-room-5.lua answering "current", no entries): a read's floor.
 */
export function floorStore(url: string, prefix: string, readCacheBytes = 0): RedisStore {
  const redis = new Redis(url, { maxRetriesPerRequest: 2, enableAutoPipelining: true });
  return new RedisStore(redis, {
    prefix, hashTag: true, defaultLimit: 100, ttlSeconds: 0, maxEventBytes: 64 * 1024,
    logger: pino({ level: "silent" }), readCacheBytes,
  });
}

export const toEntry = (m: Message) => messageToEntry(m);
