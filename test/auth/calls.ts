import { Metadata, type ServiceError } from "@grpc/grpc-js";
import * as pb from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import type { RoomHistoryServiceClient } from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import type { MethodName } from "../../src/server/implementation.js";
import * as md from "@roomhistory/client/gen/roomhistory/v1/metadata.js";
import * as mb from "@roomhistory/client/gen/roomhistory/v1/memory_bank.js";
import * as ex from "@roomhistory/client/gen/roomhistory/v1/export.js";
import { user } from "../helpers/rpc.js";

/** A request for every RPC, about `roomId` where the RPC names a room. */
export function requestFor(name: MethodName, roomId: string): unknown {
  const m = "m-1";
  const requests: { [K in MethodName]: () => unknown } = {
    appendMessages: () => pb.AppendMessagesRequest.fromPartial({ roomId, messages: [user("hi")] }),
    getHistory: () => pb.GetHistoryRequest.fromPartial({ roomId }),
    renderMessages: () => pb.RenderMessagesRequest.fromPartial({ roomId }),
    setRoomRenderDefaults: () => pb.SetRoomRenderDefaultsRequest.fromPartial({ roomId }),
    reportUsage: () => pb.ReportUsageRequest.fromPartial({ roomId, version: 1, inputTokens: 1, estimatedTokens: 1 }),
    updateMessage: () => pb.UpdateMessageRequest.fromPartial({ roomId, messageId: m, content: "x" }),
    markDeleted: () => pb.MarkDeletedRequest.fromPartial({ roomId, messageId: m }),
    patchReactions: () => pb.PatchReactionsRequest.fromPartial({ roomId, messageId: m }),
    clearRoom: () => pb.ClearRoomRequest.fromPartial({ roomId }),
    setRoomLimit: () => pb.SetRoomLimitRequest.fromPartial({ roomId, limit: 100 }),
    discardRebackfill: () => pb.DiscardRebackfillRequest.fromPartial({ roomId }),
    getRoomInfo: () => pb.GetRoomInfoRequest.fromPartial({ roomId }),
    listRooms: () => pb.ListRoomsRequest.fromPartial({}),
    deleteRoom: () => pb.DeleteRoomRequest.fromPartial({ roomId }),
    setRoomRetention: () => pb.SetRoomRetentionRequest.fromPartial({ roomId, idleTtlSeconds: 3600 }),
    reapIdleRooms: () => pb.ReapIdleRoomsRequest.fromPartial({ maxIdleSeconds: 3600, dryRun: true }),
    watch: () => pb.WatchRequest.fromPartial({ rooms: [{ roomId }] }),
    watchRooms: () => pb.WatchRoomsRequest.fromPartial({ add: { rooms: [{ roomId }] } }),
    setAgentOptions: () => pb.SetAgentOptionsRequest.fromPartial({ roomId }),
    pruneToolResults: () => pb.PruneToolResultsRequest.fromPartial({ roomId }),
    compactHistory: () => pb.CompactHistoryRequest.fromPartial({ roomId, summary: "s" }),
    compactPreservingStructure: () => pb.CompactPreservingStructureRequest.fromPartial({ roomId }),
    getArchive: () => pb.GetArchiveRequest.fromPartial({ roomId }),
    searchHistory: () => pb.SearchHistoryRequest.fromPartial({ roomId }),
    exportSummary: () => pb.ExportSummaryRequest.fromPartial({ roomId }),
    getRunCursor: () => pb.GetRunCursorRequest.fromPartial({ roomId, runId: "r" }),
    updateRunCursor: () => pb.UpdateRunCursorRequest.fromPartial({ roomId, runId: "r", nextSeq: 1 }),
    updateRoomMetadata: () => md.UpdateRoomMetadataRequest.fromPartial({ roomId, title: "t" }),
    setNamespaceOptions: () => mb.SetNamespaceOptionsRequest.fromPartial({ namespace: "ns" }),
    getMemoryBank: () => mb.GetMemoryBankRequest.fromPartial({ namespace: "ns" }),
    listRoomsNeedingSummary: () => mb.ListRoomsNeedingSummaryRequest.fromPartial({ namespace: "ns" }),
    putConversationSummary: () => mb.PutConversationSummaryRequest.fromPartial({ roomId, summary: "s", coversVersion: 1 }),
    planRollup: () => mb.PlanRollupRequest.fromPartial({ namespace: "ns" }),
    commitRollup: () => mb.CommitRollupRequest.fromPartial({ plan: "p", digestText: "d" }),
    renderMemoryBank: () => mb.RenderMemoryBankRequest.fromPartial({ namespace: "ns" }),
    exportRooms: () => ex.ExportRoomsRequest.fromPartial({ roomIds: [roomId] }),
    importRooms: () => ex.ImportRoomsRequest.fromPartial({}),
  };
  return requests[name]();
}

type Callback = (err: ServiceError | null, res: unknown) => void;

/**
 * Calls `name` with the client; resolves with undefined when it succeeds (a Watch or an ExportRooms:
 * once its first response arrives, then cancels it; an ImportRooms: one record, then its reply), or
 * with its error.
 */
export function callOutcome(client: RoomHistoryServiceClient, name: MethodName, roomId: string): Promise<ServiceError | undefined> {
  const request = requestFor(name, roomId);
  if (name === "watch" || name === "exportRooms") {
    return new Promise((resolve) => {
      const stream = name === "watch"
        ? client.watch(request as pb.WatchRequest)
        : client.exportRooms(request as ex.ExportRoomsRequest);
      stream.on("data", () => {
        resolve(undefined);
        stream.cancel();
      });
      stream.on("error", (e: ServiceError) => resolve(e));
    });
  }
  if (name === "watchRooms") {
    // A bidirectional stream: one add, then its first answer (created, or cancelled out of scope).
    return new Promise((resolve) => {
      const stream = client.watchRooms();
      stream.on("data", () => {
        resolve(undefined);
        stream.cancel();
      });
      stream.on("error", (e: ServiceError) => resolve(e));
      stream.write(request as pb.WatchRoomsRequest);
    });
  }
  if (name === "importRooms") {
    // A client stream: one record, then the end of the stream.
    return new Promise((resolve) => {
      const call = client.importRooms(new Metadata(), (err) => resolve(err ?? undefined));
      call.write(request as ex.ImportRoomsRequest);
      call.end();
    });
  }
  const unary = client as unknown as Record<string, (req: unknown, md: Metadata, cb: Callback) => unknown>;
  return new Promise((resolve) => unary[name](request, new Metadata(), (err) => resolve(err ?? undefined)));
}
