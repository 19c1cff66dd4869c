/**
 * Baseline: the bare minimum of a watch service, on the RoomHistoryService paths so that the same
 * watchers can follow it. AppendMessages publishes one pre-encoded WatchResponse on the room's Redis
 * channel (plain PUBLISH) and acknowledges; one SUBSCRIBE connection per process receives it and writes
 * the same Buffer to every stream of the room. No Lua, no JSON, no per-stream encoding, no ordering
 * or back-pressure logic. Env: BENCH_REDIS_URL.
 */
import {
  Server, ServerCredentials, type ServerWritableStream, type ServiceDefinition,
} from "@grpc/grpc-js";
import { Redis } from "ioredis";
import protobuf from "protobufjs/minimal.js";
import { serveParent } from "../lib/processes.js";

const { Reader, Writer } = protobuf;
const identity = (b: Buffer) => b;
const CHANNEL = "bench:fanout:";

const pub = new Redis(process.env.BENCH_REDIS_URL!);
const sub = new Redis(process.env.BENCH_REDIS_URL!);
const streams = new Map<string, Set<ServerWritableStream<Buffer, Buffer>>>();
const subscribed = new Map<string, Promise<unknown>>();
const versions = new Map<string, number>();

sub.on("messageBuffer", (channel: Buffer, payload: Buffer) => {
  for (const s of streams.get(channel.toString().slice(CHANNEL.length)) ?? []) s.write(payload);
});

/** An AppendMessagesRequest's room_id (field 1) and raw messages (field 2); also reads a RoomCursor's room_id. */
function readRequest(buf: Uint8Array): { roomId: string; messages: Uint8Array[] } {
  const r = Reader.create(buf);
  let roomId = "";
  const messages: Uint8Array[] = [];
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === 10) roomId = r.string();
    else if (tag === 18) messages.push(r.bytes());
    else r.skipType(tag & 7);
  }
  return { roomId, messages };
}

async function watch(call: ServerWritableStream<Buffer, Buffer>): Promise<void> {
  const r = Reader.create(call.request);
  if (r.uint32() !== 10) throw new Error("WatchRequest without rooms");
  const roomId = readRequest(r.bytes()).roomId; // rooms[0], a RoomCursor
  let set = streams.get(roomId);
  if (!set) {
    streams.set(roomId, (set = new Set()));
    subscribed.set(roomId, sub.subscribe(CHANNEL + roomId));
  }
  const watchers = set.add(call);
  const leave = () => watchers.delete(call);
  call.on("cancelled", leave);
  call.on("close", leave);
  call.on("error", leave);
  await subscribed.get(roomId); // `created` only once changes are received, as the service does
  // WatchResponse{created{rooms[{room_id, version}]}}
  const room = Writer.create().uint32(10).string(roomId).uint32(16).uint32(versions.get(roomId) ?? 0).finish();
  const created = Writer.create().uint32(10).bytes(room).finish();
  call.write(Buffer.from(Writer.create().uint32(10).bytes(created).finish()));
}

function append(call: { request: Buffer }, callback: (e: Error | null, r?: Buffer) => void): void {
  const { roomId, messages } = readRequest(call.request);
  const version = (versions.get(roomId) ?? 0) + 1;
  versions.set(roomId, version);
  // WatchResponse{change: RoomChange{room_id, version, previous_version, kind=APPEND, messages}}
  const change = Writer.create().uint32(10).string(roomId).uint32(16).uint32(version).uint32(24).uint32(version - 1)
    .uint32(32).uint32(1);
  for (const m of messages) change.uint32(42).bytes(m);
  const response = Buffer.from(Writer.create().uint32(18).bytes(change.finish()).finish());
  pub.publish(CHANNEL + roomId, response).then(
    () => callback(null, Buffer.from(Writer.create().uint32(8).uint32(version).finish())), // AppendMessagesResponse{version}
    (err: Error) => callback(err),
  );
}

const method = (name: string, responseStream: boolean) => ({
  path: `/roomhistory.v1.RoomHistoryService/${name}`,
  requestStream: false,
  responseStream,
  requestSerialize: identity,
  requestDeserialize: identity,
  responseSerialize: identity,
  responseDeserialize: identity,
});
const definition: ServiceDefinition = { AppendMessages: method("AppendMessages", false), Watch: method("Watch", true) };
const server = new Server({ "grpc.keepalive_time_ms": 60_000, "grpc.keepalive_timeout_ms": 20_000 });
// grpc-js does not wait for a handler's promise: a failed watch is an unhandled rejection, as it was.
server.addService(definition, { AppendMessages: append, Watch: (call: ServerWritableStream<Buffer, Buffer>) => void watch(call) });
const port = await new Promise<number>((resolve, reject) =>
  server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
);

serveParent({
  streams: () => [...streams.values()].reduce((n, s) => n + s.size, 0),
}, { address: `127.0.0.1:${port}` });
