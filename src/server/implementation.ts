/**
 * The service's handlers as a type the compiler checks against the generated definition, after
 * nice-grpc's `ServiceImplementation<typeof Definition>`: one entry per RPC of
 * RoomHistoryServiceService, each taking that RPC's request type and returning its response type. A
 * new RPC in the proto fails the build until it has a handler; a handler of the wrong shape does too.
 *
 * `toGrpc` turns such an implementation into what grpc-js runs, for every method of the definition:
 * requests decoded with field errors (decode.ts), pre-encoded replies passed through (Encoded), and
 * every failure turned into a status by the one error table (errors.ts). Four kinds of RPC: unary,
 * server-streaming (Watch, ExportRooms), client-streaming (ImportRooms) and bidirectional (WatchRooms).
 */
import type {
  handleBidiStreamingCall, handleClientStreamingCall, handleServerStreamingCall, handleUnaryCall, MethodDefinition, ServerDuplexStream,
  ServerReadableStream, ServerWritableStream, ServiceDefinition, UntypedHandleCall, UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { status } from "@grpc/grpc-js";
import type { Logger } from "pino";
import { RoomHistoryServiceService } from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import { Encoded } from "../wire/encoded.js";
import { decoded, withFieldErrors, type UndecodedRequest } from "./decode.js";
import { toServiceError } from "./errors.js";

type Definition = typeof RoomHistoryServiceService;
/** The service's methods by their ts-proto names (`appendMessages`, ..., `watch`). */
export type MethodName = keyof Definition;
export type RequestOf<K extends MethodName> = ReturnType<Definition[K]["requestDeserialize"]>;
export type ResponseOf<K extends MethodName> = Parameters<Definition[K]["responseSerialize"]>[0];
/** The methods whose replies are a stream and whose request is one message (Watch, ExportRooms). */
export type StreamName = {
  [K in MethodName]: Definition[K]["responseStream"] extends true ? (Definition[K]["requestStream"] extends true ? never : K) : never
}[MethodName];
/** The methods streaming both ways (WatchRooms). */
export type BidiName = {
  [K in MethodName]: Definition[K]["requestStream"] extends true ? (Definition[K]["responseStream"] extends true ? K : never) : never
}[MethodName];
/** The methods whose requests are a stream and whose reply is one message (ImportRooms). */
export type ClientStreamName = {
  [K in MethodName]: Definition[K]["requestStream"] extends true ? (Definition[K]["responseStream"] extends true ? never : K) : never
}[MethodName];
export type UnaryName = Exclude<MethodName, StreamName | ClientStreamName | BidiName>;

/** A unary RPC: its request in, its reply (or that reply encoded ahead of time) out; throws DomainErrors. */
export type UnaryHandler<K extends UnaryName> = (request: RequestOf<K>) => Promise<ResponseOf<K> | Encoded>;
/** A server-streaming RPC: writes replies to the call until it ends; throws a DomainError for a bad request. */
export type StreamHandler<K extends StreamName> =
  (request: RequestOf<K>, call: ServerWritableStream<unknown, ResponseOf<K>>) => Promise<void>;

/**
 * A client-streaming RPC: reads the requests (each decoded, a bad one thrown as its field error when
 * the iteration reaches it) and returns the one reply; throws DomainErrors. The call is there for its
 * `cancelled` flag; the iteration ends with an error when the client cancels.
 */
export type ClientStreamHandler<K extends ClientStreamName> =
  (requests: AsyncIterable<RequestOf<K>>, call: ServerReadableStream<unknown, ResponseOf<K>>) => Promise<ResponseOf<K>>;

/**
 * A bidirectional RPC: reads the requests (decoded as the iteration reaches them, a bad one thrown as
 * its field error) and writes replies to the call until it ends; throws a DomainError to end the stream.
 */
export type BidiHandler<K extends BidiName> =
  (requests: AsyncIterable<RequestOf<K>>, call: ServerDuplexStream<unknown, ResponseOf<K>>) => Promise<void>;

export type UnaryHandlers = { [K in UnaryName]: UnaryHandler<K> };
export type StreamHandlers = { [K in StreamName]: StreamHandler<K> };
export type ClientStreamHandlers = { [K in ClientStreamName]: ClientStreamHandler<K> };
export type BidiHandlers = { [K in BidiName]: BidiHandler<K> };
/** Every RPC of RoomHistoryService with its handler. */
export type ServiceImplementation = UnaryHandlers & StreamHandlers & ClientStreamHandlers & BidiHandlers;

/** The generated definition, each method typed by its own request and response. */
const METHODS: { [K in MethodName]: MethodDefinition<RequestOf<K>, ResponseOf<K>> } = RoomHistoryServiceService;

type Serialize<T> = (value: T) => Buffer;
type Deserialize<T> = (bytes: Buffer) => T;

/** A method as the server runs it: requests that may not decode, replies that may come encoded. */
type ServedMethod<Req, Res> = Omit<MethodDefinition<Req, Res>, "requestDeserialize" | "responseSerialize"> & {
  requestDeserialize: Deserialize<Req | UndecodedRequest>;
  responseSerialize: Serialize<Res | Encoded>;
};

/** grpc-js's service definition and implementation for `implementation`, ready for `Server.addService`. */
export function toGrpc(implementation: ServiceImplementation, logger: Logger): {
  definition: ServiceDefinition;
  handlers: UntypedServiceImplementation;
} {
  const definition: Record<string, ServiceDefinition[string]> = {};
  const handlers: UntypedServiceImplementation = {};
  for (const name of Object.keys(METHODS).filter(isMethodName)) {
    definition[name] = served(name);
    handlers[name] = handlerOf(name, implementation, logger);
  }
  return { definition, handlers };
}

function isMethodName(name: string): name is MethodName {
  return Object.hasOwn(METHODS, name);
}

function isStreamName(name: MethodName): name is StreamName {
  return METHODS[name].responseStream && !METHODS[name].requestStream;
}

function isBidiName(name: MethodName): name is BidiName {
  return METHODS[name].responseStream && METHODS[name].requestStream;
}

function isClientStreamName(name: MethodName): name is ClientStreamName {
  return METHODS[name].requestStream && !METHODS[name].responseStream;
}

function served<K extends MethodName>(name: K): ServedMethod<RequestOf<K>, ResponseOf<K>> {
  const method: MethodDefinition<RequestOf<K>, ResponseOf<K>> = METHODS[name];
  return { ...method, requestDeserialize: withFieldErrors(method), responseSerialize: passEncoded(method.responseSerialize) };
}

/** The response serialiser letting an Encoded through untouched. */
function passEncoded<Res>(serialize: Serialize<Res>): Serialize<Res | Encoded> {
  return (value) => (value instanceof Encoded ? value.gathered() : serialize(value));
}

function handlerOf(name: MethodName, implementation: ServiceImplementation, logger: Logger): UntypedHandleCall {
  if (isStreamName(name)) return streamCall(name, implementation, logger);
  if (isBidiName(name)) return bidiCall(name, implementation, logger);
  if (isClientStreamName(name)) return clientStreamCall(name, implementation, logger);
  return unaryCall(name, implementation, logger);
}

function unaryCall<K extends UnaryName>(
  name: K, implementation: UnaryHandlers, logger: Logger,
): handleUnaryCall<RequestOf<K> | UndecodedRequest, ResponseOf<K> | Encoded> {
  const handle: UnaryHandler<K> = implementation[name];
  return (call, callback) => {
    // A request that did not decode (decode.ts) fails here like a handler's own error.
    Promise.resolve().then(() => handle(decoded(call.request))).then(
      (res) => callback(null, res),
      (err: unknown) => callback(toServiceError(err, logger, name)),
    );
  };
}

function streamCall<K extends StreamName>(
  name: K, implementation: StreamHandlers, logger: Logger,
): handleServerStreamingCall<RequestOf<K> | UndecodedRequest, ResponseOf<K>> {
  const handle: StreamHandler<K> = implementation[name];
  return (call) => {
    Promise.resolve()
      .then(() => handle(decoded(call.request), call))
      .catch((err: unknown) => call.emit("error", toServiceError(err, logger, name)));
  };
}

function clientStreamCall<K extends ClientStreamName>(
  name: K, implementation: ClientStreamHandlers, logger: Logger,
): handleClientStreamingCall<RequestOf<K> | UndecodedRequest, ResponseOf<K>> {
  const handle: ClientStreamHandler<K> = implementation[name];
  return (call, callback) => {
    Promise.resolve().then(() => handle(decodedStream<RequestOf<K>>(call), call)).then(
      (res) => callback(null, res),
      // After a cancel nothing reaches the client; the callback still settles the call once.
      (err: unknown) => callback(call.cancelled ? { code: status.CANCELLED, details: "cancelled" } : toServiceError(err, logger, name)),
    );
  };
}

function bidiCall<K extends BidiName>(
  name: K, implementation: BidiHandlers, logger: Logger,
): handleBidiStreamingCall<RequestOf<K> | UndecodedRequest, ResponseOf<K>> {
  const handle: BidiHandler<K> = implementation[name];
  return (call) => {
    Promise.resolve()
      .then(() => handle(bidiRequests<RequestOf<K>>(call), call))
      .then(
        () => { if (!call.cancelled) call.end(); },
        (err: unknown) => { if (!call.cancelled) call.emit("error", toServiceError(err, logger, name)); },
      );
  };
}

/** Requests a bidirectional call may hold unread before it stops reading from the client. */
const BIDI_BUFFER = 16;

/**
 * A bidirectional call's requests, each decoded as it is reached. Read from the call's events, not its
 * async iterator: leaving that iterator early (a handler's error) destroys the stream, and with it the
 * status the handler's error was to send.
 */
async function* bidiRequests<Req>(call: ServerDuplexStream<unknown, unknown>): AsyncGenerator<Req> {
  const queue: unknown[] = [];
  let ended = false;
  let wake: (() => void) | undefined;
  const onData = (message: unknown) => {
    queue.push(message);
    if (queue.length >= BIDI_BUFFER) call.pause();
    wake?.();
  };
  const onEnd = () => {
    ended = true;
    wake?.();
  };
  call.on("data", onData);
  call.on("end", onEnd);
  call.on("cancelled", onEnd);
  try {
    for (;;) {
      if (queue.length > 0) {
        const message = queue.shift();
        if (call.isPaused() && queue.length < BIDI_BUFFER / 2) call.resume();
        yield decoded(message as Req | UndecodedRequest);
      } else if (ended) {
        return;
      } else {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    }
  } finally {
    call.off("data", onData);
    call.off("end", onEnd);
    call.off("cancelled", onEnd);
  }
}

/**
 * The call's requests, each decoded as it is reached: reading pulls one message at a time from the
 * client (grpc-js asks for the next message only when the stream's buffer has room), so a handler
 * that awaits each request keeps the server's memory bounded however long the stream is.
 */
async function* decodedStream<Req>(call: AsyncIterable<unknown>): AsyncGenerator<Req> {
  for await (const request of call) yield decoded(request as Req | UndecodedRequest);
}
