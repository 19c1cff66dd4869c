/**
 * @roomhistory/client: a thin TypeScript client for the roomhistory service.
 *
 * - RoomHistoryClient: promise-returning RPCs with deadlines, typed errors and retried reads.
 * - RoomHistoryClient.watch(): a Watch that resumes by itself after disconnects and restarts.
 * - RoomMirror: the windows of the rooms a worker follows, in memory, kept current by one watch.
 *
 * The generated messages (ts-proto) are re-exported; every one has fromPartial/encode/decode. The
 * rest of the generated code is under "@roomhistory/client/gen/...".
 */
export { RoomHistoryClient, type CallOptions, type PartialRequest, type RoomHistoryClientOptions } from "./client.js";
export { WatchStream, type WatchOptions, type WatchRooms } from "./watch.js";
export { RoomMirror, type RoomChangedEvent, type RoomMirrorEvents, type RoomMirrorOptions } from "./mirror.js";
export { applyChange } from "./window.js";
export {
  RoomHistoryError, VersionConflictError, NotFoundError, InvalidArgumentError, ResourceExhaustedError,
  UnavailableError, InternalError, toRoomHistoryError, type ErrorDetail,
} from "./errors.js";
export { Backoff, DEFAULT_BACKOFF, isTransient, type BackoffOptions } from "./backoff.js";

export { ChangeKind, RoomChange } from "./gen/roomhistory/v1/change.js";
export { ContentPart, ImageUrl, Message, MessageKind, Reaction, Role, ToolCall } from "./gen/roomhistory/v1/message.js";
export {
  AppendMessagesRequest, AppendMessagesResponse, ClearRoomRequest, ClearRoomResponse, DiscardRebackfillRequest,
  DiscardRebackfillResponse, GetHistoryRequest, GetHistoryResponse, GetRoomInfoRequest, GetRoomInfoResponse,
  ListRoomsRequest, ListRoomsResponse, MarkDeletedRequest, MarkDeletedResponse, PatchReactionsRequest,
  PatchReactionsResponse, RenderedMessage, RenderMessagesRequest, RenderMessagesResponse, RoomCursor, RoomVersion,
  SetRoomLimitRequest, SetRoomLimitResponse, UpdateMessageRequest, UpdateMessageResponse, WatchCreated,
  WatchProgress, WatchRequest, WatchResponse, RoomHistoryServiceClient, type DeepPartial,
} from "./gen/roomhistory/v1/room_history_service.js";
export { Timestamp } from "./gen/google/protobuf/timestamp.js";
export { status } from "@grpc/grpc-js";
