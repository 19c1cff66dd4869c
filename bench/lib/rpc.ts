/** The generated client's unary calls as promises (the test helpers' rpc() without vitest), and bench fixtures. */
import { credentials, Metadata, type ServiceError } from "@grpc/grpc-js";
import * as pb from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import { Message, Role } from "@roomhistory/client/gen/roomhistory/v1/message.js";

type Unary<Req, Res> = (req: Req, md: Metadata, cb: (err: ServiceError | null, res: Res) => void) => unknown;

export function newClient(address: string, connection = 0): pb.RoomHistoryServiceClient {
  // A distinct channel option gives a distinct subchannel, hence its own TCP connection.
  return new pb.RoomHistoryServiceClient(address, credentials.createInsecure(), {
    "bench.connection": connection,
    "grpc.max_receive_message_length": 64 * 1024 * 1024,
  });
}

export function rpc(client: pb.RoomHistoryServiceClient) {
  const wrap = <Req, Res>(fn: Unary<Req, Res>) => (req: Req): Promise<Res> =>
    new Promise((resolve, reject) => fn(req, new Metadata(), (e, r) => (e ? reject(e) : resolve(r))));
  return {
    append: wrap<pb.AppendMessagesRequest, pb.AppendMessagesResponse>((req, md, cb) => client.appendMessages(req, md, cb)),
    history: wrap<pb.GetHistoryRequest, pb.GetHistoryResponse>((req, md, cb) => client.getHistory(req, md, cb)),
    render: wrap<pb.RenderMessagesRequest, pb.RenderMessagesResponse>((req, md, cb) => client.renderMessages(req, md, cb)),
    setLimit: wrap<pb.SetRoomLimitRequest, pb.SetRoomLimitResponse>((req, md, cb) => client.setRoomLimit(req, md, cb)),
    info: wrap<pb.GetRoomInfoRequest, pb.GetRoomInfoResponse>((req, md, cb) => client.getRoomInfo(req, md, cb)),
  };
}

/** ~500 bytes of text: a typical chat turn. */
const FILLER =
  "Could you summarise what we decided about the release yesterday? I remember something about moving " +
  "the freeze to Thursday, keeping the migration behind a flag and asking the on-call team to watch the " +
  "error budget, but I am not sure whether the rollback plan was agreed or still open. Also, who owns the " +
  "follow-up with the data team about the nightly export, and is the dashboard link in the channel topic " +
  "still the right one? Thanks — I'd like to write it up before the standup so nobody has to repeat it.";

/** The message every write scenario appends: same size everywhere (service, baselines, Python). */
export function benchMessage(i: number): Message {
  return Message.fromPartial({
    role: i % 2 === 0 ? Role.ROLE_USER : Role.ROLE_ASSISTANT,
    content: `[${i}] ${FILLER}`,
    sender: i % 2 === 0 ? "alice" : "",
    metadata: { platform: "bench" },
  });
}

export const appendRequest = (roomId: string, i: number): pb.AppendMessagesRequest =>
  pb.AppendMessagesRequest.fromPartial({ roomId, messages: [benchMessage(i)] });

/** Variables for templates/system.j2 (room name, sender, two tools). */
export const ROOM_CONTEXT = {
  room_name: "release-planning",
  sender: "alice",
  tools: [
    { name: "search_docs", description: "Search the team's documents." },
    { name: "create_ticket", description: "Open a ticket in the tracker." },
  ],
};

export { pb, Message, Role };
