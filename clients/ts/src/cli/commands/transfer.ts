/**
 * `export` and `import`: rooms to and from a "roomhistory.export.v1" file (JSON Lines, export-file.ts),
 * streamed both ways, with a progress bar (progress.ts) whose total is known before the first record:
 * for an export the rooms ListRooms lists for the selector, for an import the file's lines.
 */
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import type { Command } from "commander";
import type { RoomHistoryClient } from "../../client.js";
import { exportRoomsToFile, importRoomsFromFile } from "../../export-file.js";
import { streamTimeout } from "../connect.js";
import { note, withClient } from "../context.js";
import { ExitError, UsageError } from "../exit.js";
import { collect, count } from "../parse.js";
import { progressBar } from "../progress.js";

interface ExportOptions {
  all?: boolean;
  namespace?: string;
  room?: string[];
  progress?: boolean;
}

export function exportCommand(program: Command): void {
  program.command("export")
    .description("export rooms into a roomhistory.export.v1 file (ExportRooms), written whole or not at all")
    .argument("<file>", "the file to write (appears only once complete)")
    .option("--all", "every room (and every namespace's memory bank)")
    .option("--namespace <ns>", "the rooms of a namespace, and its memory bank")
    .option("--room <id>", "a room; repeat for more", collect)
    .option("--progress", "show the progress bar (default: on a terminal, for 100 rooms or more)")
    .option("--no-progress", "never show the progress bar")
    .action(async (file: string, opts: ExportOptions, cmd: Command) => {
      const selectors = [opts.all, opts.namespace !== undefined, opts.room !== undefined].filter(Boolean).length;
      if (selectors !== 1) throw new UsageError("export: give exactly one of --all, --namespace, --room");
      await withClient(cmd, async (client, globals) => {
        const selector = { all: opts.all ?? false, namespace: opts.namespace ?? "", roomIds: opts.room ?? [] };
        const total = opts.progress === false ? 0 : opts.room?.length ?? await countRooms(client, selector.namespace);
        const bar = progressBar(total, "rooms", opts.progress);
        try {
          const done = await exportRoomsToFile(client, selector, file, {
            ...streamTimeout(globals), onProgress: (p) => bar.update(p.rooms),
          });
          bar.stop(); // before the summary line, on the bar's stream
          note(`exported ${done.rooms} rooms and ${done.namespaces} namespaces to ${file}`);
        } finally {
          bar.stop();
        }
      });
    });
}

/** The rooms ListRooms lists (of a namespace, or all): the export's total, for the bar. */
async function countRooms(client: RoomHistoryClient, namespace: string): Promise<number> {
  let n = 0;
  let pageToken = "";
  do {
    const page = await client.listRooms({ pageSize: 1000, namespace, pageToken });
    n += page.roomIds.length;
    pageToken = page.nextPageToken;
  } while (pageToken);
  return n;
}

interface ImportOptions {
  replace?: boolean;
  expectedVersion?: number;
  progress?: boolean;
}

export function importCommand(program: Command): void {
  program.command("import")
    .description("import a roomhistory.export.v1 file (ImportRooms); exit code of the first refused record, if any")
    .argument("<file>", "the export file")
    .option("--replace", "replace rooms that exist (default: refuse them, ALREADY_EXISTS)")
    .option("--expected-version <v>", "replace each room only at this version (0: it must not exist)", count)
    .option("--progress", "show the progress bar (default: on a terminal, for 100 records or more)")
    .option("--no-progress", "never show the progress bar")
    .action(async (file: string, opts: ImportOptions, cmd: Command) => withClient(cmd, async (client, globals) => {
      const total = opts.progress === false ? 0 : Math.max(0, (await countLines(file)) - 1);
      const bar = progressBar(total, "records", opts.progress);
      try {
        const res = await importRoomsFromFile(client, file, {
          ...streamTimeout(globals), replaceExisting: opts.replace ?? false, expectedVersion: opts.expectedVersion,
          onProgress: (p) => bar.update(p.records - 1),
        });
        bar.stop();
        note(`imported ${file}: ${res.roomsCreated} rooms created, ${res.roomsReplaced} replaced, `
          + `${res.namespacesImported} namespaces, ${res.failedCount} refused`);
        for (const f of res.failures) note(`refused ${f.roomId || `namespace ${f.namespace}`}: ${f.message}`);
        const first = res.failures[0];
        if (first) throw new ExitError(`${res.failedCount} records refused (the first: ${first.message})`, first.code || 1);
      } finally {
        bar.stop();
      }
    }));
}

/** The non-blank lines of a file, read as a stream (a file error rejects, as the import itself would). */
async function countLines(path: string): Promise<number> {
  const lines = createInterface({ input: createReadStream(path, { encoding: "utf8" }), crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) if (line.trim() !== "") n++;
  return n;
}
