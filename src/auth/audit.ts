import type { Logger } from "pino";

/**
 * One structured line per denied call and per admin call (README.md, "Audit"). It names the token by
 * its `name` from the tokens file: never the token, never its hash.
 */
export interface AuditRecord {
  /** "denied", or "admin" for an admin call that was let through (its outcome is the status it ended with). */
  event: "denied" | "admin";
  /** The token's name; undefined when the caller had no known token. */
  token?: string;
  /** The RPC's proto name ("DeleteRoom") or, outside the service, its path. */
  method: string;
  /** The room the call named (the first out of scope one for a denied Watch). */
  room?: string;
  /** The status code's name: "OK", "PERMISSION_DENIED", ... */
  outcome: string;
  /** Why it was denied (ErrorInfo's reason). */
  reason?: string;
  /** The client's address as grpc-js reports it. */
  peer: string;
}

export class AuditLog {
  private readonly log: Logger;

  constructor(logger: Logger) {
    this.log = logger.child({ component: "audit" });
  }

  write(record: AuditRecord): void {
    const { event, ...fields } = record;
    if (event === "denied") this.log.warn({ audit: event, ...fields }, `audit: ${record.method} denied (${record.reason})`);
    else this.log.info({ audit: event, ...fields }, `audit: ${record.method} ${record.outcome}`);
  }
}
