/**
 * Where an importer's records go: to a server's ImportRooms (`--target host:port`, trust and token from
 * the ROOMHISTORY_* variables the TypeScript client reads), or to a "roomhistory.export.v1" file
 * (`--out file.jsonl`) that either client's import helper, or `--target` later, takes. Records stream
 * through one at a time either way.
 */
import {
  RoomHistoryClient, exportHeader, trustFromEnv, writeExportFile, type ExportRecord, type ImportRoomsResponse,
} from "@roomhistory/client";

export interface DeliverOptions {
  /** A server's address (host:port) to import into. */
  target?: string;
  /** A file to write instead. */
  out?: string;
  /** Replace rooms that exist (ImportRoomsRequest.replace_existing); else they are reported ALREADY_EXISTS. */
  replaceExisting: boolean;
  /** The header's source ("echo-bot", "legacy-redis"). */
  source: string;
  log: (line: string) => void;
}

/** Sends or writes the records (header first); true when every record was taken. */
export async function deliver(records: AsyncIterable<ExportRecord>, opts: DeliverOptions): Promise<boolean> {
  async function* withHeader(): AsyncGenerator<ExportRecord> {
    yield exportHeader(opts.source);
    yield* records;
  }
  if (opts.out) {
    const progress = await writeExportFile(opts.out, withHeader());
    opts.log(`wrote ${progress.rooms} rooms to ${opts.out}`);
    return true;
  }
  if (!opts.target) throw new Error("give --target host:port or --out file.jsonl");
  const client = new RoomHistoryClient(opts.target, trustFromEnv());
  try {
    const res = await client.importRooms(withHeader(), { replaceExisting: opts.replaceExisting });
    report(res, opts.log);
    return res.failedCount === 0;
  } finally {
    client.close();
  }
}

function report(res: ImportRoomsResponse, log: (line: string) => void): void {
  for (const f of res.failures) {
    const what = f.roomId ? `room ${JSON.stringify(f.roomId)}` : `namespace ${JSON.stringify(f.namespace)}`;
    log(`refused ${what}: ${f.message}${f.currentVersion ? ` (current version ${f.currentVersion})` : ""}`);
  }
  const unlisted = res.failedCount - res.failures.length;
  if (unlisted > 0) log(`... and ${unlisted} more refused`);
  log(`imported: ${res.roomsCreated} rooms created, ${res.roomsReplaced} replaced, ${res.namespacesImported} namespaces, ` +
    `${res.failedCount} refused`);
}
