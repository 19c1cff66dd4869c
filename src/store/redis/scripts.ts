import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Redis, Cluster, Result } from "ioredis";
import { instrumentScript } from "../../observability/script-observers.js";

/** Result codes of the Lua scripts (first element of their reply); see includes/common.lua. */
export enum ScriptCode {
  OK = 1,
  VERSION_CONFLICT = -1,
  MESSAGE_NOT_FOUND = -2,
  IDEMPOTENCY_MISMATCH = -3,
  NOT_DUE = -4,
  TOO_LARGE = -5,
  ROOM_NOT_FOUND = -6,
  /** import-room-5.lua: the room exists and the import may not replace it. */
  ALREADY_EXISTS = -7,
}

const LUA_DIR = fileURLToPath(new URL("../lua/", import.meta.url));

/** Reads a script and inlines its `--- @include "name"` lines from lua/includes/ (as bullmq does). */
export function loadScript(file: string): string {
  const source = readFileSync(`${LUA_DIR}${file}`, "utf8");
  return source.replace(/^--- @include "([\w-]+)"$/gm, (_, name: string) =>
    readFileSync(`${LUA_DIR}includes/${name}.lua`, "utf8"),
  );
}

/** Script name → file; the number in the file name is the script's key count. */
const SCRIPTS = {
  rhAppend: "append-6.lua",
  rhPatchMessage: "patch-message-5.lua",
  rhClear: "clear-5.lua",
  rhSetLimit: "set-limit-5.lua",
  rhSetRetention: "set-retention-5.lua",
  rhSetRenderDefaults: "set-render-defaults-5.lua",
  rhReportUsage: "report-usage-5.lua",
  rhDiscardRebackfill: "discard-rebackfill-5.lua",
  rhDeleteRoom: "delete-room-5.lua",
  rhReapRoom: "reap-room-5.lua",
  rhReadRoom: "read-room-5.lua",
  rhSetAgentOptions: "set-agent-options-5.lua",
  rhLegacySync: "legacy-sync-4.lua",
  rhMigrateRoom: "migrate-room-11.lua",
  rhRewriteHead: "rewrite-head-5.lua",
  rhReadArchive: "read-archive-1.lua",
  rhGetRunCursor: "get-run-cursor-5.lua",
  rhUpdateRunCursor: "update-run-cursor-5.lua",
  rhExportRoom: "export-room-5.lua",
  rhImportRoom: "import-room-5.lua",
} as const;

/**
 * Registers every script once; ioredis then runs EVALSHA and falls back to EVAL on NOSCRIPT. Call them
 * through their typed functions in script-calls.ts, which name their arguments and their replies.
 */
export function defineScripts(redis: Redis | Cluster): void {
  for (const [name, file] of Object.entries(SCRIPTS)) defineScript(redis, name, file);
}

/**
 * Registers one script as the command `name` (its key count read from the file name), watched by the
 * observers of src/observability/script-observers.ts (metrics, traces).
 */
export function defineScript(redis: Redis | Cluster, name: string, file: string): void {
  const numberOfKeys = Number(/-(\d+)\.lua$/.exec(file)![1]);
  redis.defineCommand(name, { numberOfKeys, lua: loadScript(file) });
  instrumentScript(redis, name);
}

/** A script's raw reply; script-calls.ts reads it into named fields. */
export type Reply = (string | number)[];

/** The raw commands defineScripts registers: keys, then ARGV, in the order of each script's header. */
declare module "ioredis" {
  interface RedisCommander<Context> {
    rhAppend(...args: (string | number)[]): Result<Reply, Context>;
    rhPatchMessage(...args: (string | number)[]): Result<Reply, Context>;
    rhClear(...args: (string | number)[]): Result<Reply, Context>;
    rhSetLimit(...args: (string | number)[]): Result<Reply, Context>;
    rhSetRetention(...args: (string | number)[]): Result<Reply, Context>;
    rhSetRenderDefaults(...args: (string | number)[]): Result<Reply, Context>;
    rhReportUsage(...args: (string | number)[]): Result<Reply, Context>;
    rhDiscardRebackfill(...args: (string | number)[]): Result<Reply, Context>;
    rhDeleteRoom(...args: (string | number)[]): Result<Reply, Context>;
    rhReapRoom(...args: (string | number)[]): Result<Reply, Context>;
    rhReadRoom(...args: (string | number)[]): Result<Reply, Context>;
    rhSetAgentOptions(...args: (string | number)[]): Result<Reply, Context>;
    rhLegacySync(...args: (string | number)[]): Result<Reply, Context>;
    rhMigrateRoom(...args: (string | number)[]): Result<Reply, Context>;
    rhRewriteHead(...args: (string | number)[]): Result<Reply, Context>;
    rhReadArchive(...args: (string | number)[]): Result<Reply, Context>;
    rhGetRunCursor(...args: (string | number)[]): Result<Reply, Context>;
    rhUpdateRunCursor(...args: (string | number)[]): Result<Reply, Context>;
    rhExportRoom(...args: (string | number)[]): Result<Reply | null, Context>;
    rhImportRoom(...args: (string | number)[]): Result<Reply, Context>;
  }
}
