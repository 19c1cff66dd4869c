/** The memory bank RPCs (and UpdateRoomMetadata) as promises, for the bank's gRPC tests. */
import { Metadata, type ServiceError } from "@grpc/grpc-js";
import type { RoomHistoryServiceClient } from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import * as bank from "@roomhistory/client/gen/roomhistory/v1/memory_bank.js";
import * as meta from "@roomhistory/client/gen/roomhistory/v1/metadata.js";

type Unary<Req, Res> = (req: Req, md: Metadata, cb: (err: ServiceError | null, res: Res) => void) => unknown;

export function bankRpc(client: RoomHistoryServiceClient) {
  const wrap = <Req, Res>(fn: Unary<Req, Res>, make: { fromPartial(o: object): Req }, _res: { decode(b: Uint8Array): Res }) =>
    (req: object): Promise<Res> =>
      new Promise((resolve, reject) => fn.call(client, make.fromPartial(req), new Metadata(), (e, r) => (e ? reject(e) : resolve(r))));
  return {
    setOptions: wrap(client.setNamespaceOptions, bank.SetNamespaceOptionsRequest, bank.SetNamespaceOptionsResponse),
    getBank: wrap(client.getMemoryBank, bank.GetMemoryBankRequest, bank.GetMemoryBankResponse),
    needing: wrap(client.listRoomsNeedingSummary, bank.ListRoomsNeedingSummaryRequest, bank.ListRoomsNeedingSummaryResponse),
    put: wrap(client.putConversationSummary, bank.PutConversationSummaryRequest, bank.PutConversationSummaryResponse),
    plan: wrap(client.planRollup, bank.PlanRollupRequest, bank.PlanRollupResponse),
    commit: wrap(client.commitRollup, bank.CommitRollupRequest, bank.CommitRollupResponse),
    renderBank: wrap(client.renderMemoryBank, bank.RenderMemoryBankRequest, bank.RenderMemoryBankResponse),
    setNamespace: (roomId: string, namespace: string) =>
      wrap(client.updateRoomMetadata, meta.UpdateRoomMetadataRequest, meta.UpdateRoomMetadataResponse)(
        { roomId, namespace, updateMask: ["namespace"] }),
  };
}

/** A Timestamp `ms` from now (or from `base`). */
export function at(deltaMs: number, base = Date.now()) {
  const ms = base + deltaMs;
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 };
}
