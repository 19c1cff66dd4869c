/**
 * migrate-legacy: moves the rooms a legacy ConversationManager wrote without hash tags
 * (`prefix:room`, `prefix:room:ver`) into the hash-tagged layout (`prefix:{room}`, ...), one atomic
 * script per room (src/store/lua/migrate-room-11.lua), or with --index-only lists them in the unbraced
 * layout's room index instead. Single Redis only. Safe to run again: a moved room is not moved twice.
 *
 *   ROOMHISTORY_REDIS_URL=redis://... [ROOMHISTORY_KEY_PREFIX=sg:conversation] \
 *     npm run migrate-legacy -- [--dry-run] [--delete-source] [--index-only]
 */
import { pathToFileURL } from "node:url";
import { Redis } from "ioredis";
import { nowIso } from "../domain/timestamps.js";
import { checkRoomId } from "../wire/validate.js";
import { KeySpace } from "../store/keys.js";
import { defineScripts } from "../store/redis/scripts.js";
import { legacySync, migrateRoom as migrateRoomScript, MigrateOutcome as Outcome } from "../store/redis/script-calls.js";

export interface MigrateOptions {
  url: string;
  prefix: string;
  /** Decide and report; write nothing. */
  dryRun: boolean;
  /** Delete the legacy keys of every room moved (now or by an earlier run). */
  deleteSource: boolean;
  /** Move nothing; add the legacy rooms to the unbraced layout's room index. */
  indexOnly: boolean;
  log(line: string): void;
}

export interface MigrateCounts {
  /** Legacy rooms found (a list or a `:ver` key in the unbraced layout). */
  found: number;
  migrated: number;
  /** Already in the hash-tagged layout with the same entries (an earlier run). */
  already: number;
  /** Not moved: the hash-tagged copy holds other history (or the legacy copy changed after a move). */
  conflicts: number;
  /** Not rooms: an id the service does not accept, or keys of the wrong type. */
  skipped: number;
  /** Rooms whose legacy keys were deleted (--delete-source). */
  deleted: number;
  /** Rooms added to the unbraced room index (--index-only). */
  indexed: number;
}

export async function migrateLegacy(opts: MigrateOptions): Promise<MigrateCounts> {
  // A tool fails fast: no reconnecting, and a refused connection is one clear error, not a log storm.
  const redis = new Redis(opts.url, { lazyConnect: true, maxRetriesPerRequest: 2, retryStrategy: () => null });
  let connectError = "";
  redis.on("error", (err: Error) => (connectError ||= err.message));
  try {
    await redis.connect().catch((err: Error) => {
      throw new Error(`cannot connect to Redis at ROOMHISTORY_REDIS_URL: ${connectError || err.message}`);
    });
    if (/cluster_enabled:1/.test(await redis.info("cluster"))) {
      throw new Error("migrate-legacy needs a single Redis; ROOMHISTORY_REDIS_URL names a cluster node");
    }
    defineScripts(redis);
    const legacy = new KeySpace({ prefix: opts.prefix, hashTag: false });
    const counts: MigrateCounts = { found: 0, migrated: 0, already: 0, conflicts: 0, skipped: 0, deleted: 0, indexed: 0 };
    for (const roomId of await findLegacyRooms(redis, legacy)) {
      counts.found++;
      if (!accepted(roomId)) {
        counts.skipped++;
        opts.log(`skipped ${JSON.stringify(roomId)}: not a room id the service accepts`);
      } else if (opts.indexOnly) {
        await indexRoom(redis, legacy, roomId, opts, counts);
      } else {
        await migrateRoom(redis, roomId, opts, counts);
      }
    }
    return counts;
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
}

/** Room ids with a list or a `:ver` key in the unbraced layout; hash-tagged keys and indexes are not. */
export async function findLegacyRooms(redis: Redis, legacy: KeySpace): Promise<string[]> {
  const rooms = new Set<string>();
  for await (const keys of redis.scanStream({ match: legacy.keyScanPattern(), count: 1000 })) {
    for (const key of keys as string[]) {
      const found = legacy.roomKeyOf(key);
      if (found && found.part !== "meta") rooms.add(found.roomId);
    }
  }
  return [...rooms].sort();
}

async function migrateRoom(redis: Redis, roomId: string, opts: MigrateOptions, counts: MigrateCounts): Promise<void> {
  const from = new KeySpace({ prefix: opts.prefix, hashTag: false });
  const to = new KeySpace({ prefix: opts.prefix, hashTag: true });
  const [a, b] = [from.room(roomId), to.room(roomId)];
  const { outcome, version, entries } = await migrateRoomScript(redis, {
    legacy: a, tagged: b, taggedRoomIndex: to.roomIndex(), taggedActivityIndex: to.activityIndex(),
    legacyRoomIndex: from.roomIndex(), legacyExpiryIndex: from.expiryIndex(), legacyActivityIndex: from.activityIndex(),
    roomId, now: nowIso(), deleteSource: opts.deleteSource, dryRun: opts.dryRun,
  });
  const room = JSON.stringify(roomId);
  switch (outcome) {
    case Outcome.MIGRATED:
      counts.migrated++;
      opts.log(`${opts.dryRun ? "would migrate" : "migrated"} ${room}: ${entries} entries, version ${version}`);
      break;
    case Outcome.ALREADY:
      counts.already++;
      break;
    case Outcome.CONFLICT:
      counts.conflicts++;
      opts.log(`skipped ${room}: ${to.room(roomId).list} already holds other history (version ${version}); `
        + "compare the two copies, delete the one to drop, and run again");
      return;
    case Outcome.CHANGED:
      counts.conflicts++;
      opts.log(`skipped ${room}: the legacy copy changed after an earlier run moved it (is a legacy worker still `
        + `writing it?); ${to.room(roomId).list} (version ${version}) was left as it is`);
      return;
    case Outcome.WRONG_TYPE:
      counts.skipped++;
      opts.log(`skipped ${room}: its keys have the wrong type (not a room)`);
      return;
    case Outcome.NOTHING:
      counts.found--;
      return;
  }
  if (opts.deleteSource && !opts.dryRun) counts.deleted++;
}

/** Lists a legacy room in the unbraced layout's index, unless it is a tombstone or listed already. */
async function indexRoom(redis: Redis, legacy: KeySpace, roomId: string, opts: MigrateOptions, counts: MigrateCounts): Promise<void> {
  const k = legacy.room(roomId);
  if (opts.dryRun) {
    const [listed, gone] = await Promise.all([redis.zscore(legacy.roomIndex(), roomId), redis.hexists(k.meta, "gone")]);
    if (listed === null && !gone) counts.indexed++;
    return;
  }
  // The bridge's script: indexes the room if it exists and is no tombstone; bumps nothing ('').
  const { indexed } = await legacySync(redis, { keys: k, roomIndex: legacy.roomIndex(), roomId, bump: false });
  if (indexed === 1) counts.indexed++;
}

function accepted(roomId: string): boolean {
  try {
    checkRoomId(roomId);
    return true;
  } catch {
    return false;
  }
}

const USAGE = "usage: npm run migrate-legacy -- [--dry-run] [--delete-source] [--index-only]\n"
  + "  env: ROOMHISTORY_REDIS_URL (required, a single Redis), ROOMHISTORY_KEY_PREFIX (default sg:conversation)";

function summary(c: MigrateCounts, opts: MigrateOptions): string {
  const parts = opts.indexOnly
    ? [`${c.indexed} ${opts.dryRun ? "would be " : ""}added to the unbraced room index`]
    : [`${c.migrated} ${opts.dryRun ? "would be " : ""}migrated`, `${c.already} already migrated`, `${c.conflicts} conflicts`];
  parts.push(`${c.skipped} skipped`);
  if (opts.deleteSource) parts.push(`${c.deleted} sources deleted`);
  return `migrate-legacy: ${c.found} legacy rooms: ${parts.join(", ")}${opts.dryRun ? " (dry run: nothing written)" : ""}`;
}

async function main(argv: string[]): Promise<number> {
  const flags = new Set(argv);
  if (flags.has("--help") || flags.has("-h")) {
    console.log(USAGE);
    return 0;
  }
  const known = ["--dry-run", "--delete-source", "--index-only"];
  const unknown = argv.filter((a) => !known.includes(a));
  const url = process.env.ROOMHISTORY_REDIS_URL;
  if (unknown.length > 0 || !url || process.env.ROOMHISTORY_REDIS_CLUSTER) {
    if (unknown.length > 0) console.error(`migrate-legacy: unknown argument ${unknown[0]}`);
    if (!url || process.env.ROOMHISTORY_REDIS_CLUSTER) console.error("migrate-legacy: set ROOMHISTORY_REDIS_URL to a single Redis");
    console.error(USAGE);
    return 2;
  }
  if (flags.has("--index-only") && flags.has("--delete-source")) {
    console.error("migrate-legacy: --index-only moves nothing, so it deletes nothing: drop --delete-source");
    return 2;
  }
  const opts: MigrateOptions = {
    url, prefix: process.env.ROOMHISTORY_KEY_PREFIX || "sg:conversation",
    dryRun: flags.has("--dry-run"), deleteSource: flags.has("--delete-source"), indexOnly: flags.has("--index-only"),
    log: (line) => console.log(line),
  };
  const counts = await migrateLegacy(opts);
  console.log(summary(counts, opts));
  // Rooms left behind for a conflict need the operator: say so in the exit status too.
  return counts.conflicts > 0 ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: Error) => {
      console.error(`migrate-legacy: ${err.message}`);
      process.exit(1);
    },
  );
}
