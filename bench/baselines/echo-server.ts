/**
 * Baseline: a bare grpc-js unary server that answers on the RoomHistoryService paths with bytes it was
 * given (a real response captured from the service), or with the request itself. No decoding, no
 * Redis, no logic: what gRPC alone costs for the same messages, so the generated client can call it
 * unchanged. Run as a helper process (bench/lib/processes.ts, Helper).
 */
import { Server, ServerCredentials, type ServiceDefinition, type UntypedServiceImplementation } from "@grpc/grpc-js";
import { serveParent } from "../lib/processes.js";

const METHODS = ["AppendMessages", "GetHistory", "RenderMessages"] as const;
const identity = (b: Buffer) => b;

/** The reply per method; a method with none echoes its request. */
const replies = new Map<string, Buffer>();

const definition: ServiceDefinition = Object.fromEntries(
  METHODS.map((m) => [m, {
    path: `/roomhistory.v1.RoomHistoryService/${m}`,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  }]),
);

const implementation: UntypedServiceImplementation = Object.fromEntries(
  METHODS.map((m) => [m, (call: { request: Buffer }, callback: (e: null, r: Buffer) => void) =>
    callback(null, replies.get(m) ?? call.request)]),
);

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
  setReply: ({ method, base64 }: { method: string; base64: string }) => void replies.set(method, Buffer.from(base64, "base64")),
}, { address: `127.0.0.1:${port}` });
