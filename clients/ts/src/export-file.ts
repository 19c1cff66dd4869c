/**
 * The file form of an export, "roomhistory.export.v1" (export.proto): JSON Lines, one ExportRecord per
 * line in the proto3 JSON mapping (the generated toJSON; fromJSON reads camelCase and original snake_case
 * field names alike; json-times.ts keeps timestamps to the nanosecond), the header on the first line. Python's roomhistory.export_file writes and reads
 * the same files. Everything here streams: a file of any size is written and read one record at a time.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { once } from "node:events";
import { createInterface } from "node:readline";
import type { CallOptions, PartialRequest } from "./core.js";
import type { RoomHistoryClient } from "./client.js";
import { ExportRecord, type ExportRoomsRequest, type ImportRoomsResponse } from "./gen/roomhistory/v1/export.js";
import { readExactTimes, withExactTimes } from "./json-times.js";
import type { ImportOptions } from "./transfer.js";

/** The one format this client writes and reads. */
export const EXPORT_FORMAT = "roomhistory.export.v1";

/** A file that is not a readable "roomhistory.export.v1" export; `line` is 1-based (0: not about a line). */
export class ExportFileError extends Error {
  constructor(readonly path: string, readonly line: number, problem: string) {
    super(line ? `${path}:${line}: ${problem}` : `${path}: ${problem}`);
    this.name = "ExportFileError";
  }
}

/** Counts of what a file helper wrote, read, sent or received so far. */
export interface TransferProgress {
  /** records counts every record, the header included. */
  records: number;
  /** rooms counts room records. */
  rooms: number;
  /** namespaces counts namespace (memory bank) records. */
  namespaces: number;
}

/** Options of the file helpers. */
export interface FileTransferOptions extends CallOptions {
  /** onProgress is called after every record with the counts so far. */
  onProgress?: (progress: TransferProgress) => void;
}

/** A header record for this format: exported now, from `source` ("roomhistory" unless told). */
export function exportHeader(source = "roomhistory", exportedAt = new Date()): ExportRecord {
  const ms = exportedAt.getTime();
  const seconds = Math.floor(ms / 1000);
  return { header: { format: EXPORT_FORMAT, exportedAt: { seconds, nanos: (ms - seconds * 1000) * 1e6 }, source } };
}

/**
 * Writes `records` to `path`, one line each. When the first record is not a header, a header (source
 * "roomhistory") is written first; a header with another format, or a header after the first record, is
 * refused with an ExportFileError. The file appears at `path` only once complete (it is written as
 * `path + ".partial"`, then renamed), so a failed export never leaves a file that looks whole.
 */
export async function writeExportFile(
  path: string,
  records: Iterable<ExportRecord> | AsyncIterable<ExportRecord>,
  options: { onProgress?: (progress: TransferProgress) => void } = {},
): Promise<TransferProgress> {
  const partial = `${path}.partial`;
  const out = createWriteStream(partial, { encoding: "utf8" });
  const failed = once(out, "error").then(([err]) => Promise.reject(err as Error));
  failed.catch(() => undefined);
  const progress: TransferProgress = { records: 0, rooms: 0, namespaces: 0 };
  const write = async (record: ExportRecord) => {
    if (!out.write(`${recordToLine(record)}\n`)) await Promise.race([once(out, "drain"), failed]);
    count(progress, record);
    options.onProgress?.({ ...progress });
  };
  try {
    for await (const record of records) {
      if (record.header) {
        if (progress.records > 0) throw new ExportFileError(path, progress.records + 1, "a header after the first record");
        checkFormat(record, path, 1);
      } else if (progress.records === 0) {
        await write(exportHeader());
      }
      await write(record);
    }
    if (progress.records === 0) await write(exportHeader());
    out.end();
    await Promise.race([once(out, "finish"), failed]);
    await rename(partial, path);
    return progress;
  } catch (err) {
    out.destroy();
    await rm(partial, { force: true });
    throw err;
  }
}

/**
 * The records of the export file at `path`, header first, read line by line (memory bounded by the
 * longest line). Blank lines are skipped. An ExportFileError names the line when the first record is not
 * a header of this format, a line is not a JSON object holding exactly one record, or a header comes
 * again later; a missing file rejects with the file system's error.
 */
export async function* readExportFile(path: string): AsyncGenerator<ExportRecord, void, undefined> {
  const lines = createInterface({ input: createReadStream(path, { encoding: "utf8" }), crlfDelay: Infinity });
  let number = 0;
  let seen = 0;
  try {
    for await (const line of lines) {
      number++;
      if (line.trim() === "") continue;
      const record = parseLine(line, path, number);
      if (seen === 0) checkFormat(record, path, number);
      else if (record.header) throw new ExportFileError(path, number, "a header after the first record");
      seen++;
      yield record;
    }
  } finally {
    lines.close();
  }
  if (seen === 0) throw new ExportFileError(path, 0, `empty: no "${EXPORT_FORMAT}" header`);
}

/**
 * Exports what `selector` names (exactly one of roomIds, namespace, all) from the server into the file at
 * `path` (see writeExportFile), and resolves with the counts. `signal` cancels it (no file is left).
 */
export async function exportRoomsToFile(
  client: RoomHistoryClient, selector: PartialRequest<ExportRoomsRequest>, path: string,
  options: FileTransferOptions = {},
): Promise<TransferProgress> {
  const { onProgress, ...callOpts } = options;
  return writeExportFile(path, client.exportRooms(selector, callOpts), { onProgress });
}

/**
 * Imports the export file at `path` into the server (client.importRooms; the header is sent too, and
 * checked again there) and resolves with the server's report. `expectedVersion` and `replaceExisting`
 * apply to every room record (see ImportOptions). A file that is not a valid export rejects with an
 * ExportFileError, and the import stops there: records before the bad line may have been imported.
 * `onProgress` counts the records sent.
 */
export async function importRoomsFromFile(
  client: RoomHistoryClient, path: string, options: FileTransferOptions & ImportOptions = {},
): Promise<ImportRoomsResponse> {
  const { onProgress, ...rest } = options;
  const progress: TransferProgress = { records: 0, rooms: 0, namespaces: 0 };
  async function* counted(): AsyncGenerator<ExportRecord, void, undefined> {
    for await (const record of readExportFile(path)) {
      yield record;
      count(progress, record);
      onProgress?.({ ...progress });
    }
  }
  return client.importRooms(counted(), rest);
}

/**
 * One line of the file form (no newline): the record in proto3 JSON (camelCase names, timestamps to the
 * nanosecond).
 */
export function recordToLine(record: ExportRecord): string {
  return JSON.stringify(withExactTimes(record, ExportRecord.toJSON(record)));
}

/**
 * A line of the file form as a record (camelCase or snake_case names); ExportFileError naming the line
 * (`lineNumber` of `path`) when it is not a JSON object holding exactly one record.
 */
export function lineToRecord(line: string, lineNumber = 1, path = "<export>"): ExportRecord {
  return parseLine(line, path, lineNumber);
}

function parseLine(line: string, path: string, number: number): ExportRecord {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (err) {
    throw new ExportFileError(path, number, `not JSON (${(err as Error).message})`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new ExportFileError(path, number, "not a JSON object");
  }
  let record: ExportRecord;
  try {
    record = readExactTimes(ExportRecord.fromJSON(json), json);
  } catch (err) {
    throw new ExportFileError(path, number, `not an ExportRecord (${(err as Error).message})`);
  }
  const kinds = [record.header, record.room, record.namespace].filter((k) => k !== undefined).length;
  if (kinds !== 1) throw new ExportFileError(path, number, "an ExportRecord holds exactly one of header, room, namespace");
  return record;
}

function checkFormat(record: ExportRecord, path: string, line: number): void {
  if (!record.header) throw new ExportFileError(path, line, `the first record must be a "${EXPORT_FORMAT}" header`);
  if (record.header.format !== EXPORT_FORMAT) {
    throw new ExportFileError(path, line, `format ${JSON.stringify(record.header.format)} is not "${EXPORT_FORMAT}"`);
  }
}

function count(progress: TransferProgress, record: ExportRecord): void {
  progress.records++;
  if (record.room) progress.rooms++;
  if (record.namespace) progress.namespaces++;
}
