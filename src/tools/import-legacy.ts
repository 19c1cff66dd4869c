/**
 * import-legacy: the rooms a legacy ConversationManager keeps in Redis (`prefix:<room_id>` lists of
 * {"role", "content"} entries and `prefix:<room_id>:ver` counters, unbraced) into roomhistory through
 * ImportRooms, or into a "roomhistory.export.v1" file. The conversion is src/transfer/legacy.ts. It reads
 * the legacy Redis with SCAN (a one-off tool, not the service) and writes nothing there.
 *
 *   npm run import-legacy -- --redis redis://legacy:6379 [--prefix sg:conversation] --target host:port [--replace]
 *   npm run import-legacy -- --redis redis://legacy:6379 [--prefix sg:conversation] --out rooms.jsonl
 */
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import type { ExportRecord } from "@roomhistory/client";
import { KeySpace } from "../store/keys.js";
import { legacyRoomToRecord } from "../transfer/legacy.js";
import { findLegacyRooms } from "./migrate-legacy.js";
import { deliver } from "../transfer/deliver.js";
import { checkRoomId } from "../wire/validate.js";

const USAGE = "usage: npm run import-legacy -- --redis redis://host:port [--prefix sg:conversation] " +
  "(--target host:port | --out file.jsonl) [--replace]";

export interface LegacyReadCounts {
  rooms: number;
  /** Keys that looked like rooms but are not lists, or room ids the service does not accept. */
  skippedRooms: number;
  skippedEntries: number;
}

/** The legacy rooms' records, read one room at a time (ids found by SCAN, sorted). */
export async function* legacyRecords(redis: Redis, prefix: string, counts: LegacyReadCounts, log: (line: string) => void): AsyncGenerator<ExportRecord> {
  const legacy = new KeySpace({ prefix, hashTag: false });
  for (const roomId of await findLegacyRooms(redis, legacy)) {
    const keys = legacy.room(roomId);
    const [type, version] = await Promise.all([redis.type(keys.list), redis.get(keys.version)]);
    if ((type !== "list" && type !== "none") || !accepted(roomId)) {
      counts.skippedRooms++;
      log(`skipped ${JSON.stringify(roomId)}: ${type !== "list" && type !== "none" ? `its key is a ${type}, not a list` : "not a room id the service accepts"}`);
      continue;
    }
    const entries = type === "list" ? await redis.lrange(keys.list, 0, -1) : [];
    const { record, skipped } = legacyRoomToRecord(roomId, entries, version === null ? undefined : Number(version));
    counts.rooms++;
    counts.skippedEntries += skipped;
    if (skipped) log(`room ${JSON.stringify(roomId)}: ${skipped} entries left out (not {"role", "content"} of user, assistant or system)`);
    yield record;
  }
}

function accepted(roomId: string): boolean {
  try {
    checkRoomId(roomId);
    return true;
  } catch {
    return false;
  }
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      redis: { type: "string" }, prefix: { type: "string", default: "sg:conversation" }, target: { type: "string" },
      out: { type: "string" }, replace: { type: "boolean", default: false }, help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.redis || !values.target === !values.out) {
    console.error(!values.redis ? "import-legacy: give --redis" : "import-legacy: give exactly one of --target and --out");
    console.error(USAGE);
    return 2;
  }
  // A tool fails fast: no reconnecting, and a refused connection is one clear error.
  const redis = new Redis(values.redis, { lazyConnect: true, maxRetriesPerRequest: 2, retryStrategy: () => null });
  await redis.connect();
  const log = (line: string) => console.log(line);
  const counts: LegacyReadCounts = { rooms: 0, skippedRooms: 0, skippedEntries: 0 };
  try {
    const taken = await deliver(legacyRecords(redis, values.prefix, counts, log), {
      target: values.target, out: values.out, replaceExisting: values.replace, source: "legacy-redis", log,
    });
    log(`legacy rooms read: ${counts.rooms} (${counts.skippedRooms} skipped, ${counts.skippedEntries} entries left out)`);
    return taken && counts.skippedRooms === 0 ? 0 : 1;
  } finally {
    redis.disconnect();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: Error) => {
      console.error(`import-legacy: ${err.message}`);
      process.exit(1);
    },
  );
}
