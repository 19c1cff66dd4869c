import { expect } from "vitest";
import { Metadata, type ServiceError } from "@grpc/grpc-js";
import type { RoomHistoryServiceClient } from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import * as pb from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import { Message, Role } from "@roomhistory/client/gen/roomhistory/v1/message.js";
import { Status } from "@roomhistory/client/gen/google/rpc/status.js";
import { ErrorInfo } from "@roomhistory/client/gen/google/rpc/error_details.js";

type Unary<Req, Res> = (req: Req, md: Metadata, cb: (err: ServiceError | null, res: Res) => void) => unknown;

/** The generated client's unary calls as promises, requests built with fromPartial. */
export function rpc(client: RoomHistoryServiceClient) {
  const wrap = <Req, Res>(fn: Unary<Req, Res>, make: { fromPartial(o: object): Req }) =>
    (req: object): Promise<Res> =>
      new Promise((resolve, reject) => fn.call(client, make.fromPartial(req), new Metadata(), (e, r) => (e ? reject(e) : resolve(r))));
  return {
    append: wrap(client.appendMessages, pb.AppendMessagesRequest),
    history: wrap(client.getHistory, pb.GetHistoryRequest),
    render: wrap(client.renderMessages, pb.RenderMessagesRequest),
    update: wrap(client.updateMessage, pb.UpdateMessageRequest),
    markDeleted: wrap(client.markDeleted, pb.MarkDeletedRequest),
    reactions: wrap(client.patchReactions, pb.PatchReactionsRequest),
    clear: wrap(client.clearRoom, pb.ClearRoomRequest),
    setLimit: wrap(client.setRoomLimit, pb.SetRoomLimitRequest),
    discardRebackfill: wrap(client.discardRebackfill, pb.DiscardRebackfillRequest),
    info: wrap(client.getRoomInfo, pb.GetRoomInfoRequest),
    listRooms: wrap(client.listRooms, pb.ListRoomsRequest),
  };
}

export const user = (content: string, extra: Partial<Message> = {}) => Message.fromPartial({ role: Role.ROLE_USER, content, ...extra });
export const assistant = (content: string, extra: Partial<Message> = {}) =>
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
