/**
 * Export and import (issue 12): ExportRooms as an async iterable of ExportRecord, ImportRooms fed from an
 * (async) iterable. A layer of RoomHistoryClient (see client.ts). Both are streams: they have no deadline
 * unless the call gives `timeoutMs`, they are cancelled with `signal` (or by closing the client), and
 * neither is retried (ImportRooms is not safe to repeat blindly; an export can simply be run again).
 * Memory stays bounded both ways: records are read from the server as the caller consumes them, and
 * written to it as fast as it takes them (grpc-js flow control; `write` waits for "drain").
 */
import { once } from "node:events";
import { type CallOptions as GrpcCallOptions, type ClientWritableStream } from "@grpc/grpc-js";
import { callMetadata } from "./tracing.js";
import { aborted, type CallOptions, type PartialRequest } from "./core.js";
import { ClientClosedError, toRoomHistoryError, type RoomHistoryError } from "./errors.js";
import { ExportRecord, ExportRoomsRequest, ImportRoomsRequest, type ImportRoomsResponse } from "./gen/roomhistory/v1/export.js";
import { MemoryBankClient } from "./memory-bank.js";

/** How importRooms sends records given without their ImportRoomsRequest. */
export interface ImportOptions {
  /**
   * expectedVersion, for every room record, replaces the room only when its version is this (0: it must
   * not exist). Unset: create, or replace whatever is there with replaceExisting. Meant for one room.
   */
  expectedVersion?: number;
  /** replaceExisting replaces rooms that exist whatever their version (without expectedVersion). */
  replaceExisting?: boolean;
}

/** What importRooms takes: export records, or whole requests (each with its own expectedVersion). */
export type ImportItem = ExportRecord | PartialRequest<ImportRoomsRequest>;

export class TransferClient extends MemoryBankClient {
  /**
   * ExportRooms: the records of `selector` (exactly one of roomIds, namespace or all), header first, as
   * the server streams them; rooms are read one at a time as you consume them. Breaking out of the loop,
   * the signal or close() cancel the export. Failures are typed errors (an abort: CancelledError).
   *
   *   for await (const record of client.exportRooms({ namespace: "guild-1" })) { ... }
   */
  async *exportRooms(
    selector: PartialRequest<ExportRoomsRequest>, opts: CallOptions = {},
  ): AsyncGenerator<ExportRecord, void, undefined> {
    if (this.closed) throw new ClientClosedError();
    const { signal } = opts;
    if (signal?.aborted) throw aborted(signal);
    const call = this.raw.exportRooms(ExportRoomsRequest.fromPartial(selector), callMetadata(), this.streamOptions(opts));
    const cancel = () => call.cancel();
    const untrack = this.trackStream(cancel);
    signal?.addEventListener("abort", cancel, { once: true });
    try {
      for await (const res of call as AsyncIterable<{ record?: ExportRecord }>) {
        if (res.record) yield res.record;
      }
    } catch (err) {
      throw this.streamError(err, signal);
    } finally {
      signal?.removeEventListener("abort", cancel);
      untrack();
      call.cancel(); // a no-op after the end; stops the server when the caller left the loop early
    }
  }

  /**
   * ImportRooms: sends `records` (ExportRecords, e.g. from exportRooms or readExportFile, or whole
   * ImportRoomsRequests) and resolves with the server's report: rooms created or replaced, namespaces
   * imported, and each refused record in `failures` (the others are imported). A header, when sent, is
   * checked by the server. Not retried: a repeat would find the rooms it created (ALREADY_EXISTS) or
   * replace them again. The server failing the whole stream (e.g. a wrong header), the signal or close()
   * reject it with a typed error; an error thrown by `records` cancels the import and is rethrown.
   */
  async importRooms(
    records: Iterable<ImportItem> | AsyncIterable<ImportItem>, opts: CallOptions & ImportOptions = {},
  ): Promise<ImportRoomsResponse> {
    if (this.closed) throw new ClientClosedError();
    const { signal } = opts;
    if (signal?.aborted) throw aborted(signal);
    let ended = false;
    let call!: ClientWritableStream<ImportRoomsRequest>;
    const done = new Promise<ImportRoomsResponse>((resolve, reject) => {
      call = this.raw.importRooms(callMetadata(), this.streamOptions(opts), (err, res) => {
        ended = true;
        if (err) reject(this.streamError(err, signal));
        else resolve(res);
      });
    });
    done.catch(() => undefined); // observed below; a rejection while the source is awaited is not unhandled
    const cancel = () => call.cancel();
    const untrack = this.trackStream(cancel);
    signal?.addEventListener("abort", cancel, { once: true });
    // The call's end (a failure, the signal, close()) stops the loop even while `records` is still
    // producing its next item: the import then rejects at once and the source is closed.
    const settled = done.then((): typeof END => END, (): typeof END => END);
    const source = iterate(records);
    try {
      for (;;) {
        const next = await Promise.race([source.next(), settled]);
        if (next === END || next.done) break;
        if (!call.write(toImportRequest(next.value, opts))) await Promise.race([once(call, "drain"), settled]);
        if (ended) break;
      }
      if (ended) void source.return?.(undefined);
      else call.end();
    } catch (err) {
      call.cancel();
      throw err;
    } finally {
      signal?.removeEventListener("abort", cancel);
      untrack();
    }
    return done;
  }

  private streamOptions(opts: CallOptions): Partial<GrpcCallOptions> {
    return opts.timeoutMs === undefined ? {} : { deadline: this.deadlineOf(opts) };
  }

  private streamError(err: unknown, signal: AbortSignal | undefined): RoomHistoryError {
    if (signal?.aborted) return aborted(signal);
    if (this.closed) return new ClientClosedError("the client was closed during the call");
    return toRoomHistoryError(err);
  }
}

const END = Symbol("end");

function iterate<T>(items: Iterable<T> | AsyncIterable<T>): AsyncIterator<T> | Iterator<T> {
  return Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : items[Symbol.iterator]();
}

/** An ImportRoomsRequest for `item`: as it is when it is one, else the record with the options. */
export function toImportRequest(item: ImportItem, options: ImportOptions = {}): ImportRoomsRequest {
  if ("record" in item) return ImportRoomsRequest.fromPartial(item);
  const record = item as ExportRecord;
  if (!record.room) return { record, expectedVersion: undefined, replaceExisting: false };
  return { record, expectedVersion: options.expectedVersion, replaceExisting: options.replaceExisting ?? false };
}
