/**
 * How the CLI ends: its exit code follows the gRPC status of a failed call (0 OK, 5 NOT_FOUND, 7
 * PERMISSION_DENIED, 14 UNAVAILABLE, ...), 2 is a usage error (as most CLIs; gRPC's UNKNOWN is 2 too), 1
 * a failure of the CLI's own (a file that cannot be read, a tool that is not installed). The error is one
 * line on stderr, so that a script can log it as it is.
 */
import { RoomHistoryError } from "../errors.js";

/** Exit code of a usage error: a bad option or argument (also what commander reports). */
export const USAGE_EXIT = 2;
/** Exit code of a failure that is not a gRPC status. */
export const LOCAL_EXIT = 1;

/** A wrong option, argument or combination of them: exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** A failure the CLI reports with its own exit code (e.g. a delegated tool's). */
export class ExitError extends Error {
  constructor(message: string, readonly exitCode: number) {
    super(message);
    this.name = "ExitError";
  }
}

/** The exit code for what a command threw. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof UsageError) return USAGE_EXIT;
  if (err instanceof ExitError) return err.exitCode;
  // A status code of 0 never comes with an error; should one, it must still not read as success.
  if (err instanceof RoomHistoryError) return err.code || LOCAL_EXIT;
  return LOCAL_EXIT;
}

/** The one line printed on stderr for what a command threw. */
export function errorLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return `roomhistory: ${text.replace(/\s*\n\s*/g, " ").trim()}`;
}
