import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Redis, Cluster, Result } from "ioredis";

/** Result codes of the Lua scripts (first element of their reply); see includes/common.lua. */
export enum ScriptCode {
  OK = 1,
  VERSION_CONFLICT = -1,
  MESSAGE_NOT_FOUND = -2,
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
  rhAppend: "append-3.lua",
  rhPatchMessage: "patch-message-3.lua",
  rhClear: "clear-3.lua",
  rhSetLimit: "set-limit-3.lua",
  rhDiscardRebackfill: "discard-rebackfill-3.lua",
  rhReadRoom: "read-room-3.lua",
} as const;

/** Registers every script once; ioredis then runs EVALSHA and falls back to EVAL on NOSCRIPT. */
export function defineScripts(redis: Redis | Cluster): void {
  for (const [name, file] of Object.entries(SCRIPTS)) {
    const numberOfKeys = Number(/-(\d+)\.lua$/.exec(file)![1]);
    redis.defineCommand(name, { numberOfKeys, lua: loadScript(file) });
  }
}

type Reply = (string | number)[];

declare module "ioredis" {
  interface RedisCommander<Context> {
    rhAppend(...args: (string | number)[]): Result<Reply, Context>;
    rhPatchMessage(...args: (string | number)[]): Result<Reply, Context>;
    rhClear(...args: (string | number)[]): Result<Reply, Context>;
    rhSetLimit(...args: (string | number)[]): Result<Reply, Context>;
    rhDiscardRebackfill(...args: (string | number)[]): Result<Reply, Context>;
    rhReadRoom(...args: (string | number)[]): Result<Reply, Context>;
  }
}

