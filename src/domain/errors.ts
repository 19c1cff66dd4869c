/**
 * Domain errors: what the store and the service layer throw. The one table that turns them into
 * gRPC status codes lives in src/server/errors.ts; nothing below the server knows about gRPC.
 */
export type DomainErrorCode =
  | "INVALID_ARGUMENT"
  | "VERSION_CONFLICT"
  | "NOT_FOUND"
  | "TOO_LARGE"
  | "UNAVAILABLE"
  | "SHUTTING_DOWN"
  | "FAILED_PRECONDITION"
  | "UNIMPLEMENTED"
  /** UpdateRunCursor's expected_next_seq did not match (src/store/run-cursor.ts). */
  | "CURSOR_CONFLICT"
  /** ImportRooms: the room exists and the import asked neither to replace it nor at which version. */
  | "ALREADY_EXISTS"
  /** PutConversationSummary covers an older room version than the stored summary (src/store/bank). */
  | "SUMMARY_OUTDATED"
  /** CommitRollup's sources or digest changed since PlanRollup (src/store/bank). */
  | "ROLLUP_CONFLICT";

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    /** Machine-readable facts a client may act on (e.g. current_version); sent as ErrorInfo metadata. */
    readonly metadata: Record<string, string> = {},
  ) {
    super(message);
    this.name = "DomainError";
  }
}

export function invalid(field: string, why: string): DomainError {
  return new DomainError("INVALID_ARGUMENT", `${field}: ${why}`, { field });
}

export function tooLarge(field: string, why: string): DomainError {
  return new DomainError("TOO_LARGE", `${field}: ${why}`, { field });
}

/** An appended message that alone exceeds the room's byte budget: it could never be kept. */
export function messageOverBudget(index: number, size: number, budget: number): DomainError {
  return tooLarge(`messages[${index}]`, `is ${size} bytes stored, more than the room's byte budget of ${budget} bytes`);
}

/** An edit that would take the window over its byte budget (an edit never trims). */
export function patchOverBudget(op: string, windowBytes: number, budget: number): DomainError {
  const field = op === "reactions" ? "reactions" : "content";
  return tooLarge(field, `would make the window ${windowBytes} bytes, more than the room's byte budget of ${budget} bytes`);
}

export function versionConflict(roomId: string, expected: number, current: number): DomainError {
  return new DomainError(
    "VERSION_CONFLICT",
    `version conflict in room ${roomId}: expected ${expected}, current ${current}`,
    { room_id: roomId, expected_version: String(expected), current_version: String(current) },
  );
}

/** An import (create mode) found the room existing: ALREADY_EXISTS with the room's current version. */
export function roomAlreadyExists(roomId: string, current: number): DomainError {
  return new DomainError("ALREADY_EXISTS", `room ${roomId} already exists (version ${current})`, {
    room_id: roomId, current_version: String(current),
  });
}

export function messageNotFound(roomId: string, messageId: string): DomainError {
  return new DomainError("NOT_FOUND", `message ${messageId} not found in room ${roomId}`, {
    room_id: roomId,
    message_id: messageId,
  });
}

export function roomNotFound(roomId: string): DomainError {
  return new DomainError("NOT_FOUND", `room ${roomId} not found`, { room_id: roomId });
}

/** The request is well formed but the server lacks what it needs to serve it (`field` says what to send). */
export function failedPrecondition(field: string, why: string): DomainError {
  return new DomainError("FAILED_PRECONDITION", `${field}: ${why}`, { field });
}

export function unavailable(why: string): DomainError {
  return new DomainError("UNAVAILABLE", why);
}

/** An RPC of the contract this server does not serve yet. */
export function notImplemented(rpc: string): DomainError {
  return new DomainError("UNIMPLEMENTED", `${rpc} is not implemented by this server yet`);
}

/** A conversation summary older than the stored one: `covers_version` is the stored one. */
export function summaryOutdated(roomId: string, storedCoversVersion: number): DomainError {
  return new DomainError("SUMMARY_OUTDATED", `room ${roomId}'s stored summary covers version ${storedCoversVersion}, ` +
    "newer than this one", { room_id: roomId, covers_version: String(storedCoversVersion) });
}

/** A roll-up whose sources or digest changed since it was planned: nothing was committed. */
export function rollupConflict(why: string): DomainError {
  return new DomainError("ROLLUP_CONFLICT", `the roll-up plan is stale: ${why}; nothing was committed, plan again`);
}

/** A memory bank operation on a namespace whose bank is off (SetNamespaceOptions). */
export function bankDisabled(field: string, namespace: string): DomainError {
  return failedPrecondition(field, `the memory bank of namespace ${namespace} is not enabled (SetNamespaceOptions)`);
}
