/**
 * The one table from domain errors to gRPC status codes, and the one function that turns any thrown
 * value into a status for the client. Unexpected errors become a generic INTERNAL; their detail goes
 * to the server log only.
 */
import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import type { Logger } from "pino";
import { Status } from "@roomhistory/client/gen/google/rpc/status.js";
import { ErrorInfo } from "@roomhistory/client/gen/google/rpc/error_details.js";
import { DomainError, type DomainErrorCode } from "../domain/errors.js";
import { hooks } from "../observability/hooks.js";

export const ERROR_DOMAIN = "roomhistory.v1";

const STATUS_OF: Record<DomainErrorCode, status> = {
  INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  VERSION_CONFLICT: status.ABORTED,
  NOT_FOUND: status.NOT_FOUND,
  TOO_LARGE: status.RESOURCE_EXHAUSTED,
  UNAVAILABLE: status.UNAVAILABLE,
  SHUTTING_DOWN: status.UNAVAILABLE,
  FAILED_PRECONDITION: status.FAILED_PRECONDITION,
  UNIMPLEMENTED: status.UNIMPLEMENTED,
  CURSOR_CONFLICT: status.ABORTED,
  SUMMARY_OUTDATED: status.ABORTED,
  ROLLUP_CONFLICT: status.ABORTED,
  ALREADY_EXISTS: status.ALREADY_EXISTS,
};

/** Builds the error a handler sends, with a google.rpc.ErrorInfo in grpc-status-details-bin. */
export function toServiceError(err: unknown, logger: Logger, method: string): Partial<ServiceError> {
  if (!(err instanceof DomainError)) {
    logger.error({ err, method }, "unexpected error");
    return { code: status.INTERNAL, details: "internal error" };
  }
  if (err.code === "UNAVAILABLE") logger.warn({ method, cause: (err as { cause?: Error }).cause?.message }, err.message);
  const code = STATUS_OF[err.code];
  if (code === status.ABORTED) hooks.aborted(err.code);
  const info = ErrorInfo.encode({ reason: err.code, domain: ERROR_DOMAIN, metadata: err.metadata }).finish();
  const details = Status.encode({
    code,
    message: err.message,
    details: [{ typeUrl: "type.googleapis.com/google.rpc.ErrorInfo", value: Buffer.from(info) }],
  }).finish();
  const metadata = new Metadata();
  metadata.set("grpc-status-details-bin", Buffer.from(details));
  return { code, details: err.message, metadata };
}
