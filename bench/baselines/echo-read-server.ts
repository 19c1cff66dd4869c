/**
 * Baseline: the grpc-js echo (echo-server.ts) that, before answering RenderMessages with the bytes it
 * was given, revalidates one room the way the service does: RedisStore.read of an unchanged, cached
 * room (read-room-5.lua answering "current", one round trip), with the service's ioredis options. No
 * decoding and no render: what any server that asks Redis once per call costs at best, measured in
 * the same rounds as the service (bench/scenarios/render-budget.ts). Run as a helper process.
 *
 * Environment: ROOMHISTORY_REDIS_URL, ROOMHISTORY_KEY_PREFIX (the service's), ECHO_READ_ROOM.
 */
import { Server, ServerCredentials, type ServiceDefinition, type UntypedServiceImplementation } from "@grpc/grpc-js";
import { Redis } from "ioredis";
import pino from "pino";
import { RedisStore } from "../../src/store/redis/redis-store.js";
import { serveParent } from "../lib/processes.js";

const identity = (b: Buffer) => b;
const room = process.env.ECHO_READ_ROOM ?? "";
// As src/app.ts: auto-pipelining on, reads not pipelined (they go out at once).
const redis = new Redis(process.env.ROOMHISTORY_REDIS_URL ?? "", {
  enableAutoPipelining: true, autoPipeliningIgnoredCommands: ["rhReadRoom"], maxRetriesPerRequest: 2,
});
const store = new RedisStore(redis, {
  prefix: process.env.ROOMHISTORY_KEY_PREFIX ?? "", hashTag: true, defaultLimit: 100, ttlSeconds: 0,
  maxEventBytes: 64 * 1024, logger: pino({ level: "silent" }), readCacheBytes: 64 * 1024 * 1024,
});
let reply = Buffer.alloc(0);

const definition: ServiceDefinition = {
  RenderMessages: {
    path: "/roomhistory.v1.RoomHistoryService/RenderMessages",
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};
const implementation: UntypedServiceImplementation = {
  RenderMessages: (_call: unknown, callback: (e: Error | null, r?: Buffer) => void) => {
    store.read(room).then(() => callback(null, reply), (err: Error) => callback(err));
  },
};

// The same server options as src/server/server.ts.
const server = new Server({
  "grpc.max_receive_message_length": 16 * 1024 * 1024,
  "grpc.keepalive_time_ms": 60_000,
  "grpc.keepalive_timeout_ms": 20_000,
});
server.addService(definition, implementation);
const port = await new Promise<number>((resolve, reject) =>
  server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
);

serveParent({
  setReply: ({ base64 }: { base64: string }) => void (reply = Buffer.from(base64, "base64")),
}, { address: `127.0.0.1:${port}` });
