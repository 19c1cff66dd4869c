/**
 * @roomhistory/client: a thin TypeScript client for the roomhistory service.
 *
 * - RoomHistoryClient: promise-returning RPCs with deadlines, typed errors, and retries of what is safe
 *   to repeat (reads, appends with their idempotency key, mutations with an expected_version).
 * - RoomHistoryClient.watch(): a Watch that resumes by itself after disconnects and restarts.
 * - RoomMirror: the windows of the rooms a worker follows, in memory, kept current by one watch.
 * - Trust: `tls` (CA, client certificate) and `token`/`tokenProvider` options of RoomHistoryClient.
 * - Room metadata and the namespace memory bank (memory-bank.ts); exportRooms/importRooms (transfer.ts),
 *   the "roomhistory.export.v1" file helpers (export-file.ts) and the Echo bot importer (echo.ts).
 *
 * The generated messages (ts-proto) are re-exported; every one has fromPartial/encode/decode. The
 * rest of the generated code is under "@roomhistory/client/gen/...".
 */
export {
  RoomHistoryClient, DEFAULT_TIMEOUT_MS, newIdempotencyKey, type CallOptions, type PartialRequest, type RoomHistoryClientOptions,
} from "./client.js";
export {
  WatchStream, DEFAULT_PROGRESS_INTERVAL_MS, advanceCursor, type WatchOptions, type WatchRooms, type WatchSelector,
} from "./watch.js";
export { cancelledError } from "./errors.js";
export {
  RoomMirror, type MirrorAppendOptions, type RenderOptions, type RoomChangedEvent, type RoomMirrorEvents,
  type RoomMirrorOptions,
} from "./mirror.js";
export { afterFetch, applyChange, nextStep, type RoomWindow, type WindowStep } from "./window.js";
export { DEFAULT_PAGE_SIZE, readWindow, RoomChangedWhilePagingError } from "./paging.js";
export {
  RoomHistoryError, AbortedError, VersionConflictError, NotFoundError, InvalidArgumentError, ResourceExhaustedError,
  UnavailableError, DeadlineExceededError, CancelledError, ClientClosedError, InternalError, RoomNotFollowedError,
  UnauthenticatedError, PermissionDeniedError, SummaryOutdatedError, RollupConflictError, toRoomHistoryError,
  type ErrorDetail,
} from "./errors.js";
export { toImportRequest, type ImportItem, type ImportOptions } from "./transfer.js";
export {
  EXPORT_FORMAT, ExportFileError, exportHeader, exportRoomsToFile, importRoomsFromFile, lineToRecord, readExportFile,
  recordToLine, writeExportFile, type FileTransferOptions, type TransferProgress,
} from "./export-file.js";
export {
  echoConversationToRecords, type EchoConversation, type EchoImportOptions, type EchoMessage,
} from "./echo.js";
export {
  Backoff, CONFLICT_BACKOFF, DEFAULT_BACKOFF, MAX_RETRY_INFO_DELAY_MS, isRetryableStatus, isTransient,
  resumeDelay, retryOnConflict, retrySafe, retryWait, shouldResume, type BackoffOptions,
} from "./backoff.js";
export { fromOpenAI, toOpenAI, type OpenAIInput, type OpenAIMessage, type OpenAIPart } from "./convert.js";
export { isLoopback, trustFromEnv, type Pem, type TlsOptions, type TokenProvider } from "./auth.js";

export { ChangeKind, RoomChange } from "./gen/roomhistory/v1/change.js";
export {
  ContentPart, FileData, ImageUrl, InputAudio, Message, MessageKind, Reaction, Role, ToolCall,
} from "./gen/roomhistory/v1/message.js";
export {
  AppendMessagesRequest, AppendMessagesResponse, ClearRoomRequest, ClearRoomResponse, DeleteRoomRequest,
  DeleteRoomResponse, DiscardRebackfillRequest, DiscardRebackfillResponse, Durability, GetHistoryRequest,
  GetHistoryResponse, GetRoomInfoRequest, GetRoomInfoResponse, ListRoomsRequest, ListRoomsResponse,
  MarkDeletedRequest, MarkDeletedResponse, PatchReactionsRequest, PatchReactionsResponse, ReapIdleRoomsRequest,
  ReapIdleRoomsResponse, RenderedMessage, RenderForm, RenderFormat, RenderMessagesRequest, RenderMessagesResponse,
  ReportUsageRequest, ReportUsageResponse, IdMarkers, RoomCursor, RoomVersion, SenderStyle, SetRoomLimitRequest,
  SetRoomLimitResponse, SetRoomRenderDefaultsRequest, SetRoomRenderDefaultsResponse, SetRoomRetentionRequest,
  SetRoomRetentionResponse, TokenEncoding,
  UpdateMessageRequest, UpdateMessageResponse, WatchCreated, WatchProgress, WatchRequest, WatchResponse,
  RoomHistoryServiceClient, type DeepPartial,
} from "./gen/roomhistory/v1/room_history_service.js";
export {
  CompactHistoryRequest, CompactHistoryResponse, CompactPreservingStructureRequest, CompactPreservingStructureResponse,
  ExportSummaryRequest, ExportSummaryResponse, GetArchiveRequest, GetArchiveResponse, GetRunCursorRequest,
  GetRunCursorResponse, PruneToolResultsRequest, PruneToolResultsResponse, SearchHistoryRequest, SearchHistoryResponse,
  SearchHit, SetAgentOptionsRequest, SetAgentOptionsResponse, UpdateRunCursorRequest, UpdateRunCursorResponse,
} from "./gen/roomhistory/v1/room_history_service.js";
export {
  ListRoomsOrder, Participant, RoomListing, RoomMetadata, UpdateRoomMetadataRequest, UpdateRoomMetadataResponse,
} from "./gen/roomhistory/v1/metadata.js";
export {
  CommitRollupRequest, CommitRollupResponse, GetMemoryBankRequest, GetMemoryBankResponse, ListRoomsNeedingSummaryRequest,
  ListRoomsNeedingSummaryResponse, MemoryBankEntry, MemoryBankUse, MemoryGranularity, NamespaceOptions, PlanRollupRequest,
  PlanRollupResponse, PutConversationSummaryRequest, PutConversationSummaryResponse, RenderMemoryBankRequest,
  RenderMemoryBankResponse, RollupGroup, RoomNeedingSummary, SetNamespaceOptionsRequest, SetNamespaceOptionsResponse,
} from "./gen/roomhistory/v1/memory_bank.js";
export {
  ExportedAgentOptions, ExportedNamespace, ExportedRenderDefaults, ExportedRoom, ExportedRunCursor, ExportHeader,
  ExportRecord, ExportRoomsRequest, ExportRoomsResponse, ImportFailure, ImportRoomsRequest, ImportRoomsResponse,
} from "./gen/roomhistory/v1/export.js";
export { Timestamp } from "./gen/google/protobuf/timestamp.js";
