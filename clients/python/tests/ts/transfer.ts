/**
 * The TypeScript side of the cross-language export tests:
 * - `transfer.ts read <file>` prints every record of an export file (readExportFile), one proto3 JSON
 *   object a line (recordToLine: timestamps to the nanosecond);
 * - `transfer.ts write <file>` writes the records given on stdin (one proto3 JSON object a line, read with
 *   lineToRecord) with writeExportFile;
 * - `transfer.ts echo <options JSON>` prints the records echoConversationToRecords makes of the Echo
 *   conversation JSON on stdin (header left out), one a line, as base64 protobuf bytes (proto3 JSON would
 *   cut timestamps to milliseconds).
 */
import {
  ExportRecord, echoConversationToRecords, lineToRecord, readExportFile, recordToLine, writeExportFile,
} from "@roomhistory/client";
import { allLines, emit } from "./lines.js";

const [mode, arg] = process.argv.slice(2);
if (mode === "read") {
  for await (const record of readExportFile(arg)) process.stdout.write(recordToLine(record) + "\n");
} else if (mode === "write") {
  const records = (await allLines()).filter(Boolean).map((line, i) => lineToRecord(line, i + 1));
  emit(await writeExportFile(arg, records));
} else {
  const input = (await allLines()).join("\n");
  for (const record of echoConversationToRecords(input, { ...JSON.parse(arg), header: false })) {
    emit(Buffer.from(ExportRecord.encode(record).finish()).toString("base64"));
  }
}
