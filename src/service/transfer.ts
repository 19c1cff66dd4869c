/**
 * ExportRooms and ImportRooms (issue 12): rooms whole and namespace banks as records of the
 * "roomhistory.export.v1" format (src/transfer/format.ts).
 *
 * Both keep the server's memory bounded by a few rooms, whatever the number of rooms: an export reads
 * rooms in order with a few reads ahead (paging through the room index for `namespace` and `all`) and
 * waits for 'drain' when the call's buffer is full, so a slow reader holds back the reads instead of
 * filling the server; an import has a few records in hand at a time and asks for the next only then
 * (implementation.ts).
 */
import type { ServerWritableStream } from "@grpc/grpc-js";
import type * as ex from "@roomhistory/client/gen/roomhistory/v1/export.js";
import { DomainError, invalid, notImplemented, type DomainErrorCode } from "../domain/errors.js";
import type { BankTransfer } from "../store/bank/bank-types.js";
import type { HistoryStore } from "../store/store.js";
import type { RoomData } from "../store/transfer-types.js";
import { bankFromRecord, bankToRecord, checkHeader, headerRecord, roomToRecord } from "../transfer/format.js";
import { checkRoomId, type Limits } from "../wire/validate.js";
import { ImportReport } from "./transfer-report.js";
import { roomFromRecord } from "./transfer-room.js";

/** The most rooms one ExportRooms request may name. */
export const MAX_EXPORT_ROOM_IDS = 10_000;
/** Rooms read from the room index per page by `namespace` and `all`. */
const INDEX_PAGE = 100;
/** Room reads an export keeps in flight ahead of the room it writes. */
const EXPORT_READ_AHEAD = 4;
/** Records an import converts and writes at once (in stream order per room). */
const IMPORT_CONCURRENCY = 4;

export interface TransferDeps {
  store: HistoryStore;
  limits: Limits;
  /** The namespace banks; undefined: exports carry no namespace record, imports refuse them (UNIMPLEMENTED). */
  bank?: BankTransfer;
  /** A refused record's status as a client would get it (the server's one error table). */
  statusOf(err: DomainError): { code: number; message: string };
}

/** What an export selects, after the request is checked. */
type Selection = { roomIds: string[] } | { namespace: string } | { all: true };

export class TransferHandlers {
  constructor(private readonly deps: TransferDeps) {}

  async exportRooms(req: ex.ExportRoomsRequest, call: ServerWritableStream<unknown, ex.ExportRoomsResponse>): Promise<void> {
    const selection = selectionOf(req);
    const sink = new RecordSink(call);
    await sink.write(headerRecord("roomhistory"));
    for await (const room of this.roomsOf(selection)) {
      if (call.cancelled) return;
      await sink.write(roomToRecord(room));
    }
    for await (const bank of this.banksOf(selection)) {
      if (call.cancelled) return;
      await sink.write(bankToRecord(bank));
    }
    call.end();
  }

  /**
   * Records are taken in stream order; up to IMPORT_CONCURRENCY of them are converted and written at
   * once, so one record's Redis round trip overlaps the next one's token counting. Records of the same
   * room (or namespace) still apply in stream order: each waits for the previous one of its key.
   */
  async importRooms(requests: AsyncIterable<ex.ImportRoomsRequest>): Promise<ex.ImportRoomsResponse> {
    const report = new ImportReport();
    const active = new Set<Promise<void>>();
    const lastOfKey = new Map<string, Promise<void>>();
    let fault: { err: unknown } | undefined;
    for await (const req of requests) {
      if (fault) break;
      const record = req.record;
      // A wrong header fails the whole stream: nothing after it can be read as this format.
      if (record?.header) {
        checkHeader(record.header);
        continue;
      }
      const key = record?.room ? `room:${record.room.roomId}` : `namespace:${record?.namespace?.options?.namespace ?? ""}`;
      const previous = lastOfKey.get(key);
      const run = (previous ?? Promise.resolve()).then(() => this.importOne(req, report));
      // `settled` never rejects: the first fault is kept and rethrown below, once.
      const settled: Promise<void> = run.then(() => undefined, (err: unknown) => void (fault ??= { err })).then(() => {
        active.delete(settled);
        if (lastOfKey.get(key) === settled) lastOfKey.delete(key);
      });
      active.add(settled);
      lastOfKey.set(key, settled);
      if (active.size >= IMPORT_CONCURRENCY) await Promise.race(active);
    }
    await Promise.all(active);
    if (fault) throw fault.err;
    return report.response();
  }

  private async importOne(req: ex.ImportRoomsRequest, report: ImportReport): Promise<void> {
    const { room, namespace } = req.record ?? {};
    try {
      if (room) {
        const data = await roomFromRecord(room, this.deps.limits);
        const outcome = await this.deps.store.importRoom(data, {
          expectedVersion: req.expectedVersion, replaceExisting: req.replaceExisting,
        });
        report.room(outcome.replaced);
      } else if (namespace) {
        if (!this.deps.bank) throw notImplemented("ImportRooms of a namespace record (no memory bank store)");
        await this.deps.bank.importNamespace(bankFromRecord(namespace));
        report.namespace();
      } else {
        throw invalid("record", "must hold a header, a room or a namespace");
      }
    } catch (err) {
      if (!isRefusal(err)) throw err;
      const { code, message } = this.deps.statusOf(err);
      report.failure({
        roomId: room?.roomId ?? "", namespace: room ? "" : (namespace?.options?.namespace ?? ""), code, message,
        currentVersion: Number(err.metadata.current_version ?? 0),
      });
    }
  }

  /**
   * The selected rooms, in order, with up to EXPORT_READ_AHEAD reads in flight: the next rooms are read
   * while the current one is written, and no more than that many wait in memory.
   */
  private async *roomsOf(selection: Selection): AsyncGenerator<RoomData> {
    const pending: Promise<RoomData | undefined>[] = [];
    const ids = "roomIds" in selection ? selection.roomIds : this.allRoomIds();
    // Until the room index can be read by namespace, a namespace export filters every room.
    const wanted = (room: RoomData | undefined): room is RoomData =>
      room !== undefined && (!("namespace" in selection) || room.metadata.namespace === selection.namespace);
    for await (const roomId of ids) {
      const read = this.deps.store.exportRoom(roomId);
      read.catch(() => undefined); // awaited below in its turn; not an unhandled rejection meanwhile
      pending.push(read);
      if (pending.length < EXPORT_READ_AHEAD) continue;
      const room = await pending.shift()!;
      if (wanted(room)) yield room;
    }
    for (const read of pending) {
      const room = await read;
      if (wanted(room)) yield room;
    }
  }

  private async *allRoomIds(): AsyncGenerator<string> {
    let after: string | undefined;
    do {
      const page = await this.deps.store.listRooms(INDEX_PAGE, after);
      yield* page.roomIds;
      after = page.next;
    } while (after !== undefined);
  }

  /** The selected namespaces' banks (none for a list of rooms, or without a bank store). */
  private async *banksOf(selection: Selection) {
    const bank = this.deps.bank;
    if (!bank || "roomIds" in selection) return;
    const namespaces = "namespace" in selection ? [selection.namespace] : await bank.listNamespaces();
    for (const namespace of namespaces) {
      const data = await bank.exportNamespace(namespace);
      if (data) yield data;
    }
  }
}

/** Exactly one of room_ids, namespace, all; INVALID_ARGUMENT naming the field otherwise. */
function selectionOf(req: ex.ExportRoomsRequest): Selection {
  const set = [req.roomIds.length > 0 && "room_ids", req.namespace !== "" && "namespace", req.all && "all"].filter(Boolean);
  if (set.length === 0) throw invalid("room_ids", "set exactly one of room_ids, namespace or all");
  if (set.length > 1) throw invalid(String(set[1]), `cannot be combined with ${set[0]}: set exactly one of room_ids, namespace or all`);
  if (req.all) return { all: true };
  if (req.namespace) return { namespace: req.namespace };
  if (req.roomIds.length > MAX_EXPORT_ROOM_IDS) {
    throw invalid("room_ids", `${req.roomIds.length} rooms, more than the ${MAX_EXPORT_ROOM_IDS} one export may name`);
  }
  return { roomIds: req.roomIds.map((id, i) => checkRoomId(id, `room_ids[${i}]`)) };
}

/** Refusals of one record; anything else (Redis unreachable, a server fault) fails the stream. */
const REFUSALS: ReadonlySet<DomainErrorCode> = new Set<DomainErrorCode>([
  "INVALID_ARGUMENT", "TOO_LARGE", "VERSION_CONFLICT", "ALREADY_EXISTS", "NOT_FOUND", "FAILED_PRECONDITION", "UNIMPLEMENTED",
]);

function isRefusal(err: unknown): err is DomainError {
  return err instanceof DomainError && REFUSALS.has(err.code);
}

/** Writes export records with the call's back-pressure: waits for 'drain' (or a cancel) when write() says so. */
class RecordSink {
  constructor(private readonly call: ServerWritableStream<unknown, ex.ExportRoomsResponse>) {}

  async write(record: ex.ExportRecord): Promise<void> {
    if (this.call.write({ record })) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.call.off("drain", done);
        this.call.off("cancelled", done);
        this.call.off("close", done);
        resolve();
      };
      this.call.on("drain", done);
      this.call.on("cancelled", done);
      this.call.on("close", done);
    });
  }
}
