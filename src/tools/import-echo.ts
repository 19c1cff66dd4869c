/**
 * import-echo: the Echo bot's saved conversations (reference 002, "Conversation JSON Format") into
 * roomhistory, one room per file, through ImportRooms or into a "roomhistory.export.v1" file. The
 * conversion is the TypeScript client's echoConversationToRecords (room id: the file's `thread_id`, else
 * its name without ".json"; namespace: --namespace, else `guild_id`; see clients/ts/src/echo.ts).
 *
 *   npm run import-echo -- --target host:port [--namespace ns] [--label l]... [--replace] files...
 *   npm run import-echo -- --out rooms.jsonl [--namespace ns] files...
 */
import { readFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { echoConversationToRecords, type ExportRecord } from "@roomhistory/client";
import { deliver } from "../transfer/deliver.js";

const USAGE = "usage: npm run import-echo -- (--target host:port | --out file.jsonl) [--namespace ns] [--label l]... " +
  "[--replace] conversation.json...\n  env (with --target): ROOMHISTORY_TOKEN, ROOMHISTORY_CA_FILE, ... as the TypeScript client reads them";

export interface EchoFilesOptions {
  namespace?: string;
  labels: string[];
  log(line: string): void;
}

/** The room records of the files, one file read at a time; a file that cannot be converted is logged and skipped. */
export async function* echoFileRecords(files: readonly string[], opts: EchoFilesOptions, skipped: string[]): AsyncGenerator<ExportRecord> {
  for (const file of files) {
    let records: ExportRecord[];
    try {
      const json = JSON.parse(await readFile(file, "utf8")) as object;
      records = echoConversationToRecords(json, { fileName: file, namespace: opts.namespace, labels: opts.labels, header: false });
    } catch (err) {
      skipped.push(file);
      opts.log(`skipped ${file}: ${(err as Error).message}`);
      continue;
    }
    yield* records;
  }
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      target: { type: "string" }, out: { type: "string" }, namespace: { type: "string" },
      label: { type: "string", multiple: true }, replace: { type: "boolean", default: false }, help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length === 0 || !values.target === !values.out) {
    console.error(positionals.length === 0 ? "import-echo: name at least one file" : "import-echo: give exactly one of --target and --out");
    console.error(USAGE);
    return 2;
  }
  const log = (line: string) => console.log(line);
  const skipped: string[] = [];
  const records = echoFileRecords(positionals, { namespace: values.namespace, labels: values.label ?? [], log }, skipped);
  const taken = await deliver(records, {
    target: values.target, out: values.out, replaceExisting: values.replace, source: "echo-bot", log,
  });
  return taken && skipped.length === 0 ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: Error) => {
      console.error(`import-echo: ${err.message}`);
      process.exit(1);
    },
  );
}
