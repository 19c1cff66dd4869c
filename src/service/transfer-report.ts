/** The running tally of an ImportRooms call: counts, and the refused records (the first 1000 listed). */
import type { ImportFailure, ImportRoomsResponse } from "@roomhistory/client/gen/roomhistory/v1/export.js";

/** The most failures one ImportRoomsResponse lists; failed_count counts them all. */
export const MAX_LISTED_FAILURES = 1000;

export class ImportReport {
  private created = 0;
  private replaced = 0;
  private namespaces = 0;
  private failed = 0;
  private readonly failures: ImportFailure[] = [];

  room(replaced: boolean): void {
    if (replaced) this.replaced++;
    else this.created++;
  }

  namespace(): void {
    this.namespaces++;
  }

  failure(f: ImportFailure): void {
    this.failed++;
    if (this.failures.length < MAX_LISTED_FAILURES) this.failures.push(f);
  }

  response(): ImportRoomsResponse {
    return {
      roomsCreated: this.created,
      roomsReplaced: this.replaced,
      namespacesImported: this.namespaces,
      failures: this.failures,
      failedCount: this.failed,
    };
  }
}
