import { expect } from "vitest";
import { Metadata, type ServiceError } from "@grpc/grpc-js";
import type { RoomHistoryServiceClient } from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import * as pb from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import { Message, Role, type DeepPartial } from "@roomhistory/client/gen/roomhistory/v1/message.js";
import { Status } from "@roomhistory/client/gen/google/rpc/status.js";
import { ErrorInfo } from "@roomhistory/client/gen/google/rpc/error_details.js";

// The response codec only pins the response type: overloaded client methods defeat inference.
type Unary<Req, Res> = (req: Req, md: Metadata, cb: (err: ServiceError | null, res: Res) => void) => unknown;

/** The generated client's unary calls as promises, requests built with fromPartial. */
export function rpc(client: RoomHistoryServiceClient) {
  const wrap = <Req, Res>(fn: Unary<Req, Res>, make: { fromPartial(o: object): Req }, _res: { decode(b: Uint8Array): Res }) =>
    (req: object): Promise<Res> =>
      new Promise((resolve, reject) => fn.call(client, make.fromPartial(req), new Metadata(), (e, r) => (e ? reject(e) : resolve(r))));
  return {
    append: wrap(client.appendMessages, pb.AppendMessagesRequest, pb.AppendMessagesResponse),
    history: wrap(client.getHistory, pb.GetHistoryRequest, pb.GetHistoryResponse),
    render: wrap(client.renderMessages, pb.RenderMessagesRequest, pb.RenderMessagesResponse),
    update: wrap(client.updateMessage, pb.UpdateMessageRequest, pb.UpdateMessageResponse),
    markDeleted: wrap(client.markDeleted, pb.MarkDeletedRequest, pb.MarkDeletedResponse),
    reactions: wrap(client.patchReactions, pb.PatchReactionsRequest, pb.PatchReactionsResponse),
    clear: wrap(client.clearRoom, pb.ClearRoomRequest, pb.ClearRoomResponse),
    setLimit: wrap(client.setRoomLimit, pb.SetRoomLimitRequest, pb.SetRoomLimitResponse),
    discardRebackfill: wrap(client.discardRebackfill, pb.DiscardRebackfillRequest, pb.DiscardRebackfillResponse),
    info: wrap(client.getRoomInfo, pb.GetRoomInfoRequest, pb.GetRoomInfoResponse),
    listRooms: wrap(client.listRooms, pb.ListRoomsRequest, pb.ListRoomsResponse),
    deleteRoom: wrap(client.deleteRoom, pb.DeleteRoomRequest, pb.DeleteRoomResponse),
    setRetention: wrap(client.setRoomRetention, pb.SetRoomRetentionRequest, pb.SetRoomRetentionResponse),
    reap: wrap(client.reapIdleRooms, pb.ReapIdleRoomsRequest, pb.ReapIdleRoomsResponse),
  };
}

export const user = (content: string, extra: DeepPartial<Message> = {}) => Message.fromPartial({ role: Role.ROLE_USER, content, ...extra });
export const assistant = (content: string, extra: DeepPartial<Message> = {}) =>
  Message.fromPartial({ role: Role.ROLE_ASSISTANT, content, ...extra });

/** Awaits a failed call and checks its status code; returns the error and its ErrorInfo, if any. */
export async function expectStatus(p: Promise<unknown>, code: number): Promise<{ err: ServiceError; info?: ErrorInfo }> {
  const err = (await p.then(() => undefined, (e: unknown) => e)) as ServiceError | undefined;
  expect(err, "the call should have failed").toBeDefined();
  expect(err!.code, err!.details).toBe(code);
  const raw = err!.metadata?.get("grpc-status-details-bin")?.[0] as Buffer | undefined;
  const detail = raw ? Status.decode(raw).details[0] : undefined;
  return { err: err!, info: detail ? ErrorInfo.decode(detail.value) : undefined };
}
