/** ExportRooms and ImportRooms through the generated client, as promises. */
import { Metadata, type ServiceError } from "@grpc/grpc-js";
import type { RoomHistoryServiceClient } from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import {
  ExportRoomsRequest, ImportRoomsRequest, type ExportRecord, type ImportRoomsResponse,
} from "@roomhistory/client/gen/roomhistory/v1/export.js";
import type { DeepPartial } from "@roomhistory/client/gen/roomhistory/v1/message.js";

/** Every record an export streams, in order. */
export function exportRecords(client: RoomHistoryServiceClient, req: DeepPartial<ExportRoomsRequest>): Promise<ExportRecord[]> {
  return new Promise((resolve, reject) => {
    const records: ExportRecord[] = [];
    const stream = client.exportRooms(ExportRoomsRequest.fromPartial(req));
    stream.on("data", (res: { record?: ExportRecord }) => records.push(res.record!));
    stream.on("error", (err: ServiceError) => reject(err));
    stream.on("end", () => resolve(records));
  });
}

/** Sends the requests on one ImportRooms stream; resolves with its reply. */
export function importRecords(
  client: RoomHistoryServiceClient, requests: DeepPartial<ImportRoomsRequest>[], metadata = new Metadata(),
): Promise<ImportRoomsResponse> {
  return new Promise((resolve, reject) => {
    const call = client.importRooms(metadata, (err, res) => (err ? reject(err) : resolve(res)));
    for (const r of requests) call.write(ImportRoomsRequest.fromPartial(r));
    call.end();
  });
}
