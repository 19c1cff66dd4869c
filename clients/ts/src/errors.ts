/**
 * Typed errors, mapped from gRPC statuses in one place (toRoomHistoryError). The server puts a
 * google.rpc.Status with a google.rpc.ErrorInfo in the `grpc-status-details-bin` trailer; its reason and
 * metadata carry what a caller acts on (the current version of a conflict, the field a request got wrong).
 */
import { status, type ServiceError } from "@grpc/grpc-js";
import { ErrorInfo } from "./gen/google/rpc/error_details.js";
import { Status } from "./gen/google/rpc/status.js";

const DETAILS_KEY = "grpc-status-details-bin";
const ERROR_INFO_TYPE = "type.googleapis.com/google.rpc.ErrorInfo";

/** What an error's google.rpc.ErrorInfo said; empty when the server sent none. */
export interface ErrorDetail {
  /** reason is the machine-readable cause, e.g. "VERSION_CONFLICT"; empty when absent. */
  reason: string;
  /** metadata holds facts about the failure, e.g. current_version or field. */
  metadata: Record<string, string>;
}

/** Base of every error the client throws for a failed call. */
export class RoomHistoryError extends Error {
  constructor(
    /** code is the gRPC status code (see `status` in @grpc/grpc-js). */
    readonly code: status,
    /** details is the server's message. */
    readonly details: string,
    /** detail is the ErrorInfo the server attached. */
    readonly detail: ErrorDetail = { reason: "", metadata: {} },
  ) {
    super(`${status[code] ?? code}: ${details}`);
    this.name = new.target.name;
  }

  /** reason is the ErrorInfo reason ("VERSION_CONFLICT", "INVALID_ARGUMENT", ...); empty when absent. */
  get reason(): string {
    return this.detail.reason;
  }
}

/** ABORTED with reason VERSION_CONFLICT: expected_version was not the room's version. */
export class VersionConflictError extends RoomHistoryError {
  /** currentVersion is the room's version when the write was refused. */
  readonly currentVersion: number;
  /** expectedVersion is the version the write expected. */
  readonly expectedVersion: number;
  /** roomId is the room written. */
  readonly roomId: string;

  constructor(code: status, details: string, detail: ErrorDetail) {
    super(code, details, detail);
    this.currentVersion = Number(detail.metadata.current_version ?? NaN);
    this.expectedVersion = Number(detail.metadata.expected_version ?? NaN);
    this.roomId = detail.metadata.room_id ?? "";
  }
}

/** NOT_FOUND: the message named does not exist in the room. */
export class NotFoundError extends RoomHistoryError {
  /** messageId is the id that was not found; empty when the server did not say. */
  get messageId(): string {
    return this.detail.metadata.message_id ?? "";
  }
}

/** INVALID_ARGUMENT: a malformed request field. */
export class InvalidArgumentError extends RoomHistoryError {
  /** field is the request field at fault, e.g. "room_id" or "rooms[2].room_id". */
  get field(): string {
    return this.detail.metadata.field ?? "";
  }
}

/** RESOURCE_EXHAUSTED: a size limit was exceeded (message, batch, context, rooms per watch). */
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

/** INTERNAL: an unexpected server failure; the details are in the server's log only. */
export class InternalError extends RoomHistoryError {}

type ErrorClass = new (code: status, details: string, detail: ErrorDetail) => RoomHistoryError;

/** The one table from gRPC status codes to error classes; codes not listed become RoomHistoryError. */
const ERROR_CLASS: Partial<Record<status, ErrorClass>> = {
  [status.NOT_FOUND]: NotFoundError,
  [status.INVALID_ARGUMENT]: InvalidArgumentError,
  [status.RESOURCE_EXHAUSTED]: ResourceExhaustedError,
  [status.UNAVAILABLE]: UnavailableError,
  [status.INTERNAL]: InternalError,
};

/** Turns a grpc-js error (or anything thrown) into the matching RoomHistoryError. */
export function toRoomHistoryError(err: unknown): RoomHistoryError {
  if (err instanceof RoomHistoryError) return err;
  const e = err as Partial<ServiceError>;
  if (typeof e?.code !== "number") return new RoomHistoryError(status.UNKNOWN, String((err as Error)?.message ?? err));
  const detail = readDetail(e);
  const details = e.details ?? e.message ?? "";
  if (e.code === status.ABORTED && detail.reason === "VERSION_CONFLICT") {
    return new VersionConflictError(e.code, details, detail);
  }
  const Class = ERROR_CLASS[e.code as status] ?? RoomHistoryError;
  return new Class(e.code, details, detail);
}

/** Decodes the ErrorInfo inside the google.rpc.Status trailer; an unreadable one counts as absent. */
function readDetail(err: Partial<ServiceError>): ErrorDetail {
  const raw = err.metadata?.get(DETAILS_KEY)[0];
  if (!raw || typeof raw === "string") return { reason: "", metadata: {} };
  try {
    const info = Status.decode(raw).details.find((d) => d.typeUrl === ERROR_INFO_TYPE);
    if (!info) return { reason: "", metadata: {} };
    const { reason, metadata } = ErrorInfo.decode(info.value);
    return { reason, metadata };
  } catch {
    return { reason: "", metadata: {} };
  }
}
