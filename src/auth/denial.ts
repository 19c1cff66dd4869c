/**
 * The statuses the interceptor ends a call with: UNAUTHENTICATED, PERMISSION_DENIED and
 * RESOURCE_EXHAUSTED, each with a google.rpc.ErrorInfo (same domain as src/server/errors.ts) and, for
 * a quota, a google.rpc.RetryInfo saying when the bucket has room again.
 */
import { Metadata, status, type StatusObject } from "@grpc/grpc-js";
import { Status } from "@roomhistory/client/gen/google/rpc/status.js";
import { ErrorInfo, RetryInfo } from "@roomhistory/client/gen/google/rpc/error_details.js";
import { ERROR_DOMAIN } from "../server/errors.js";

export type DenialReason =
  | "TOKEN_MISSING"
  | "TOKEN_INVALID"
  | "TOKEN_EXPIRED"
  | "TOKEN_REVOKED"
  | "RIGHT_MISSING"
  | "ROOM_OUT_OF_SCOPE"
  | "QUOTA_EXCEEDED";

const CODE_OF: Record<DenialReason, status> = {
  TOKEN_MISSING: status.UNAUTHENTICATED,
  TOKEN_INVALID: status.UNAUTHENTICATED,
  TOKEN_EXPIRED: status.UNAUTHENTICATED,
  TOKEN_REVOKED: status.UNAUTHENTICATED,
  RIGHT_MISSING: status.PERMISSION_DENIED,
  ROOM_OUT_OF_SCOPE: status.PERMISSION_DENIED,
  QUOTA_EXCEEDED: status.RESOURCE_EXHAUSTED,
};

/** Why a call is refused; `metadata` goes to the client in ErrorInfo (never a token or its hash). */
export class Denial {
  constructor(
    readonly reason: DenialReason,
    readonly message: string,
    readonly metadata: Record<string, string> = {},
    /** For QUOTA_EXCEEDED: how long until the call would be allowed. */
    readonly retryAfterMs?: number,
  ) {}

  get code(): status {
    return CODE_OF[this.reason];
  }

  toStatus(): StatusObject {
    const info = ErrorInfo.encode({ reason: this.reason, domain: ERROR_DOMAIN, metadata: this.metadata }).finish();
    const details = [{ typeUrl: "type.googleapis.com/google.rpc.ErrorInfo", value: Buffer.from(info) }];
    if (this.retryAfterMs !== undefined) {
      const ms = Math.max(1, Math.ceil(this.retryAfterMs));
      const retry = RetryInfo.encode({ retryDelay: { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 } }).finish();
      details.push({ typeUrl: "type.googleapis.com/google.rpc.RetryInfo", value: Buffer.from(retry) });
    }
    const metadata = new Metadata();
    metadata.set("grpc-status-details-bin", Buffer.from(Status.encode({ code: this.code, message: this.message, details }).finish()));
    return { code: this.code, details: this.message, metadata };
  }
}
