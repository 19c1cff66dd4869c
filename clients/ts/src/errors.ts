/**
 * Typed errors, mapped from gRPC statuses in one place (toRoomHistoryError). The server puts a
 * google.rpc.Status with a google.rpc.ErrorInfo in the `grpc-status-details-bin` trailer; its reason and
 * metadata carry what a caller acts on (the current version of a conflict, the field a request got wrong).
 * A quota refusal also carries a google.rpc.RetryInfo: how long to wait before trying again.
 */
import { status, type ServiceError } from "@grpc/grpc-js";
import { ErrorInfo, RetryInfo } from "./gen/google/rpc/error_details.js";
import { Status } from "./gen/google/rpc/status.js";
import { WatchCancelReason } from "./gen/roomhistory/v1/room_history_service.js";

const DETAILS_KEY = "grpc-status-details-bin";
const ERROR_INFO_TYPE = "type.googleapis.com/google.rpc.ErrorInfo";
const RETRY_INFO_TYPE = "type.googleapis.com/google.rpc.RetryInfo";

/** What an error's google.rpc.ErrorInfo said; empty when the server sent none. */
export interface ErrorDetail {
  /** reason is the machine-readable cause, e.g. "VERSION_CONFLICT"; empty when absent. */
  reason: string;
  /** metadata holds facts about the failure, e.g. current_version or field. */
  metadata: Record<string, string>;
  /** retryDelayMs is the google.rpc.RetryInfo delay in ms; undefined when the server sent none. */
  retryDelayMs?: number;
}

/** Base of every error the client throws for a failed call. */
export class RoomHistoryError extends Error {
  constructor(
    /** code is the gRPC status code, a number (codeName spells it, e.g. "ABORTED"). */
    readonly code: number,
    /** details is the server's message (for an error raised by the client itself, its own). */
    readonly details: string,
    /** detail is the ErrorInfo the server attached. */
    readonly detail: ErrorDetail = { reason: "", metadata: {} },
    options?: { cause?: unknown },
  ) {
    super(`${status[code] ?? code}: ${details}`, options);
    this.name = new.target.name;
  }

  /** codeName is the status code's name ("ABORTED", "NOT_FOUND", ...), as Python's `code.name`. */
  get codeName(): string {
    return status[this.code] ?? String(this.code);
  }

  /** reason is the ErrorInfo reason ("VERSION_CONFLICT", "INVALID_ARGUMENT", ...); empty when absent. */
  get reason(): string {
    return this.detail.reason;
  }

  /** metadata is the ErrorInfo metadata (e.g. field, current_version); empty when absent. */
  get metadata(): Record<string, string> {
    return this.detail.metadata;
  }

  /**
   * retryDelayMs is how long the server asked the caller to wait before trying again (google.rpc.RetryInfo,
   * sent with a quota's RESOURCE_EXHAUSTED), in ms; undefined when it sent none (Python: retry_delay, in s).
   */
  get retryDelayMs(): number | undefined {
    return this.detail.retryDelayMs;
  }
}

/** ABORTED: the write was refused and changed nothing; VersionConflictError when it was a version conflict. */
export class AbortedError extends RoomHistoryError {}

/**
 * ABORTED with reason VERSION_CONFLICT: expected_version was not the room's version. The versions are
 * the server's (an ABORTED without that reason is a plain AbortedError, never this with made-up numbers).
 */
export class VersionConflictError extends AbortedError {
  /** currentVersion is the room's version when the write was refused. */
  readonly currentVersion: number;
  /** expectedVersion is the version the write expected. */
  readonly expectedVersion: number;
  /** roomId is the room written. */
  readonly roomId: string;

  constructor(code: number, details: string, detail: ErrorDetail) {
    super(code, details, detail);
    this.currentVersion = Number(detail.metadata.current_version ?? 0);
    this.expectedVersion = Number(detail.metadata.expected_version ?? 0);
    this.roomId = detail.metadata.room_id ?? "";
  }
}

/**
 * ABORTED with reason SUMMARY_OUTDATED: PutConversationSummary's covers_version is older than the version
 * the room's stored summary covers (another consolidation worker got there first with a newer one).
 */
export class SummaryOutdatedError extends AbortedError {
  /** coversVersion is the version the stored summary covers; 0 when the server did not say. */
  get coversVersion(): number {
    return Number(this.detail.metadata.covers_version ?? 0);
  }
}

/**
 * ABORTED with reason ROLLUP_CONFLICT: CommitRollup's plan is stale (a source or the folded digest changed
 * or is gone since PlanRollup, e.g. another worker committed it). Nothing was changed: plan again.
 */
export class RollupConflictError extends AbortedError {}

/** NOT_FOUND: the message named does not exist in the room. */
export class NotFoundError extends RoomHistoryError {
  /** messageId is the id that was not found; empty when the server did not say. */
  get messageId(): string {
    return this.detail.metadata.message_id ?? "";
  }

  /** roomId is the room searched; empty when the server did not say. */
  get roomId(): string {
    return this.detail.metadata.room_id ?? "";
  }
}

/** INVALID_ARGUMENT: a malformed request field. */
export class InvalidArgumentError extends RoomHistoryError {
  /** field is the request field at fault, e.g. "room_id" or "rooms[2].room_id". */
  get field(): string {
    return this.detail.metadata.field ?? "";
  }
}

/**
 * RESOURCE_EXHAUSTED: a size limit was exceeded (message, batch, context, rooms per watch), or a quota
 * (calls, appended bytes, open watches of a token): then retryDelayMs says when to try again, and the
 * client retries a call that is safe to repeat by itself after that wait (see retryWait in backoff.ts).
 */
export class ResourceExhaustedError extends RoomHistoryError {
  /** field is the request field that was too large. */
  get field(): string {
    return this.detail.metadata.field ?? "";
  }
}

/**
 * UNAVAILABLE: the server or its store cannot be reached right now; a write may have been applied all the
 * same. Safe to retry reads, appends with their idempotency key and writes with an expectedVersion (the
 * client does so by itself).
 */
export class UnavailableError extends RoomHistoryError {}

/** DEADLINE_EXCEEDED: the call's deadline (timeoutMs) passed before the server answered. */
export class DeadlineExceededError extends RoomHistoryError {}

/**
 * CANCELLED: the call was cancelled, e.g. by the caller's AbortSignal (then `cause` is the signal's
 * reason) or because the client was closed (ClientClosedError).
 */
export class CancelledError extends RoomHistoryError {}

/** A call on a client after close(), or one that close() ended: CANCELLED, raised by the client itself. */
export class ClientClosedError extends CancelledError {
  constructor(details = "the client is closed") {
    super(status.CANCELLED, details);
  }
}

/** INTERNAL: an unexpected server failure; the details are in the server's log only. */
export class InternalError extends RoomHistoryError {}

/**
 * UNAUTHENTICATED: the call carried no valid token (none, unknown, expired or revoked). Never retried:
 * fix the token (or the tokenProvider) first.
 */
export class UnauthenticatedError extends RoomHistoryError {}

/**
 * PERMISSION_DENIED: the token is valid but lacks the right (read, write, watch, admin) or the room is
 * outside its prefixes. Never retried.
 */
export class PermissionDeniedError extends RoomHistoryError {}

/**
 * A mirror was asked about a room it does not follow (never followed, or unfollowed): FAILED_PRECONDITION,
 * raised by the client itself.
 */
export class RoomNotFollowedError extends RoomHistoryError {
  constructor(readonly roomId: string) {
    super(status.FAILED_PRECONDITION, `room ${roomId} is not followed by this mirror; call follow() first`);
  }
}

type ErrorClass = new (code: number, details: string, detail: ErrorDetail) => RoomHistoryError;

/**
 * The one table from gRPC status codes to error classes (clients/testdata/error-vectors.json); codes not
 * listed become RoomHistoryError. ABORTED with reason VERSION_CONFLICT is a VersionConflictError,
 * SUMMARY_OUTDATED a SummaryOutdatedError, ROLLUP_CONFLICT a RollupConflictError.
 */
const ERROR_CLASS: Partial<Record<number, ErrorClass>> = {
  [status.ABORTED]: AbortedError,
  [status.NOT_FOUND]: NotFoundError,
  [status.INVALID_ARGUMENT]: InvalidArgumentError,
  [status.RESOURCE_EXHAUSTED]: ResourceExhaustedError,
  [status.UNAVAILABLE]: UnavailableError,
  [status.DEADLINE_EXCEEDED]: DeadlineExceededError,
  [status.CANCELLED]: CancelledError,
  [status.INTERNAL]: InternalError,
  [status.UNAUTHENTICATED]: UnauthenticatedError,
  [status.PERMISSION_DENIED]: PermissionDeniedError,
};

/** ABORTED's reasons that have their own class; any other reason is a plain AbortedError. */
const ABORTED_REASONS: Partial<Record<string, ErrorClass>> = {
  VERSION_CONFLICT: VersionConflictError,
  SUMMARY_OUTDATED: SummaryOutdatedError,
  ROLLUP_CONFLICT: RollupConflictError,
};

/** Turns a grpc-js error (or anything thrown) into the matching RoomHistoryError. */
export function toRoomHistoryError(err: unknown): RoomHistoryError {
  if (err instanceof RoomHistoryError) return err;
  const e = err as Partial<ServiceError>;
  if (typeof e?.code !== "number") return new RoomHistoryError(status.UNKNOWN, String((err as Error)?.message ?? err));
  const detail = readDetail(e);
  const details = e.details ?? e.message ?? "";
  if (e.code === status.ABORTED) {
    const Reasoned = ABORTED_REASONS[detail.reason];
    if (Reasoned) return new Reasoned(e.code, details, detail);
  }
  const Class = ERROR_CLASS[e.code] ?? RoomHistoryError;
  return new Class(e.code, details, detail);
}

/**
 * Decodes the ErrorInfo and RetryInfo inside the google.rpc.Status trailer; an unreadable trailer counts
 * as absent.
 */
function readDetail(err: Partial<ServiceError>): ErrorDetail {
  const raw = err.metadata?.get(DETAILS_KEY)[0];
  const detail: ErrorDetail = { reason: "", metadata: {} };
  if (!raw || typeof raw === "string") return detail;
  try {
    for (const any of Status.decode(raw).details) {
      if (any.typeUrl === ERROR_INFO_TYPE && !detail.reason) {
        const { reason, metadata } = ErrorInfo.decode(any.value);
        Object.assign(detail, { reason, metadata });
      } else if (any.typeUrl === RETRY_INFO_TYPE) {
        const delay = RetryInfo.decode(any.value).retryDelay;
        if (delay) detail.retryDelayMs = delay.seconds * 1000 + delay.nanos / 1e6;
      }
    }
    return detail;
  } catch {
    return { reason: "", metadata: {} };
  }
}

/**
 * The error a WatchRooms `cancelled` stands for, for a room a mirror was asked to follow: an invalid id
 * (InvalidArgumentError naming the field), out of the token's scope (PermissionDeniedError), past the
 * rooms limit (ResourceExhaustedError); otherwise the room is simply no longer followed.
 */
export function cancelledError(c: { roomId: string; reason: WatchCancelReason; message: string }): RoomHistoryError {
  const field = /^([\w.[\]]+): /.exec(c.message)?.[1];
  const detail: ErrorDetail = { reason: WatchCancelReason[c.reason], metadata: { ...(field ? { field } : {}), room: c.roomId } };
  switch (c.reason) {
    case WatchCancelReason.WATCH_CANCEL_REASON_INVALID_ROOM_ID:
      return new InvalidArgumentError(status.INVALID_ARGUMENT, c.message, detail);
    case WatchCancelReason.WATCH_CANCEL_REASON_OUT_OF_SCOPE:
      return new PermissionDeniedError(status.PERMISSION_DENIED, c.message, detail);
    case WatchCancelReason.WATCH_CANCEL_REASON_LIMIT:
      return new ResourceExhaustedError(status.RESOURCE_EXHAUSTED, c.message, detail);
    default:
      return new RoomNotFollowedError(c.roomId);
  }
}
