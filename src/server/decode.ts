/**
 * Request decoding that names the field a request got wrong instead of failing the whole call.
 *
 * The generated code (ts-proto, forceLong=number) throws on any 64-bit integer beyond ±2^53, and
 * grpc-js answers any exception in a request deserialiser with INTERNAL "Error deserializing request",
 * so a client that sent `expected_version: 2^63` could not tell its mistake from a server fault. Here
 * every deserialiser returns an UndecodedRequest instead of throwing; the handler wrapper calls
 * `decoded()`, which raises the DomainError (INVALID_ARGUMENT naming the field path) through the one
 * error table. The field path comes from decoding the same bytes again by reflection over the
 * descriptor set that `npm run generate` writes, which keeps 64-bit values whole (as Long); that second
 * decode runs only for a request the generated code refused.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";
import "protobufjs/ext/descriptor/index.js"; // adds Root.fromDescriptor
import { invalid } from "../domain/errors.js";
import { TIMESTAMP_RANGE } from "../domain/timestamps.js";

/** What a request deserialiser yields instead of throwing; `decoded()` raises its error. */
export class UndecodedRequest {
  constructor(readonly error: Error) {}
}

/** The request itself, or the error its bytes deserve (a DomainError when a field is to blame). */
export function decoded<T>(request: T | UndecodedRequest): T {
  if (request instanceof UndecodedRequest) throw request.error;
  return request;
}

/** The part of a grpc-js method definition this module reads. */
interface Decodes<Req> {
  path: string;
  requestDeserialize: (bytes: Buffer) => Req;
}

/** The method's request deserialiser, returning an UndecodedRequest instead of throwing. */
export function withFieldErrors<Req>(method: Decodes<Req>): (bytes: Buffer) => Req | UndecodedRequest {
  const type = requestType(descriptors(), method.path);
  const deserialize = method.requestDeserialize;
  return (bytes) => {
    try {
      return deserialize(bytes);
    } catch (err) {
      return new UndecodedRequest(explain(type, bytes, err as Error));
    }
  };
}

const SIXTY_FOUR_BIT = new Set(["int64", "uint64", "sint64", "fixed64", "sfixed64"]);
const MAX = BigInt(Number.MAX_SAFE_INTEGER);
const MIN = BigInt(Number.MIN_SAFE_INTEGER);

/**
 * The first field out of the range a JavaScript number holds exactly, as INVALID_ARGUMENT; otherwise
 * the original error (malformed bytes stay INTERNAL, as gRPC prescribes for a request that does not parse).
 */
function explain(type: protobuf.Type, bytes: Uint8Array, original: Error): Error {
  let message: protobuf.Message;
  try {
    message = type.decode(bytes);
  } catch {
    return original;
  }
  return firstOutOfRange(type, message as unknown as Record<string, unknown>, "") ?? original;
}

function firstOutOfRange(type: protobuf.Type, message: Record<string, unknown>, at: string): Error | undefined {
  for (const field of type.fieldsArray) {
    const value = message[field.name];
    if (value === undefined || value === null) continue;
    const path = at ? `${at}.${field.name}` : field.name;
    // Maps: only message values can hold 64-bit fields here (no map in the API has 64-bit keys).
    const items: [string, unknown][] = field.map
      ? Object.entries(value).map(([k, v]) => [`${path}[${JSON.stringify(k)}]`, v])
      : field.repeated
        ? (value as unknown[]).map((v, i) => [`${path}[${i}]`, v])
        : [[path, value]];
    for (const [where, item] of items) {
      const err = checkValue(field, item, where);
      if (err) return err;
    }
  }
  return undefined;
}

function checkValue(field: protobuf.Field, value: unknown, where: string): Error | undefined {
  const nested = field.resolvedType;
  if (nested instanceof protobuf.Type) {
    const err = firstOutOfRange(nested, value as Record<string, unknown>, where);
    // A Timestamp is one value to its sender: name the timestamp, not its `seconds`.
    if (err && nested.fullName === ".google.protobuf.Timestamp") return invalid(where, TIMESTAMP_RANGE);
    return err;
  }
  if (!SIXTY_FOUR_BIT.has(field.type)) return undefined;
  // protobufjs yields a Long (signed or unsigned, as the field is); its decimal text is exact.
  const n = BigInt(String(value));
  if (n > MAX) return invalid(where, `must be at most ${MAX}`);
  if (n < MIN) return invalid(where, `must be at least ${MIN}`);
  return undefined;
}

let cachedRoot: protobuf.Root | undefined;

/** The descriptor set, read once. */
function descriptors(): protobuf.Root {
  return (cachedRoot ??= loadDescriptors());
}

function loadDescriptors(): protobuf.Root {
  const file = fileURLToPath(new URL("../gen/roomhistory.binpb", import.meta.url));
  const root = (protobuf.Root as unknown as { fromDescriptor(set: Uint8Array): protobuf.Root }).fromDescriptor(
    readFileSync(file),
  );
  root.resolveAll();
  return root;
}

/** "/roomhistory.v1.RoomHistoryService/AppendMessages" → its request type in the descriptor set. */
function requestType(root: protobuf.Root, methodPath: string): protobuf.Type {
  const [, service, method] = /^\/([^/]+)\/([^/]+)$/.exec(methodPath) ?? [];
  const found = service ? root.lookupService(service).methods[method] : undefined;
  if (!found?.resolvedRequestType) throw new Error(`${methodPath} is not in roomhistory.binpb: run npm run generate`);
  return found.resolvedRequestType;
}
