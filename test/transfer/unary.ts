/** Any unary RPC of the generated client as a promise; `rawReply` keeps a reply's bytes as the server sent them. */
import { Metadata, type ServiceError } from "@grpc/grpc-js";
import { RoomHistoryServiceService, type RoomHistoryServiceClient } from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import type { RequestOf, ResponseOf, UnaryName } from "../../src/server/implementation.js";

type Callback = (err: ServiceError | null, res: unknown) => void;

/** Calls `name` with `request` (built with the method's fromPartial by the caller). */
export function unary<K extends UnaryName>(client: RoomHistoryServiceClient, name: K, request: RequestOf<K>): Promise<ResponseOf<K>> {
  const fn = (client as unknown as Record<string, (req: unknown, md: Metadata, cb: Callback) => unknown>)[name];
  return new Promise((resolve, reject) => fn.call(client, request, new Metadata(), (err, res) => (err ? reject(err) : resolve(res as ResponseOf<K>))));
}

/** The reply of `name` as the bytes on the wire (no decode, no re-encode). */
export function rawReply<K extends UnaryName>(client: RoomHistoryServiceClient, name: K, request: RequestOf<K>): Promise<Buffer> {
  const method = RoomHistoryServiceService[name];
  return new Promise((resolve, reject) =>
    client.makeUnaryRequest(method.path, (req: RequestOf<K>) => (method.requestSerialize as (r: RequestOf<K>) => Buffer)(req),
      (bytes: Buffer) => bytes, request, (err, res) => (err ? reject(err) : resolve(res!))));
}
