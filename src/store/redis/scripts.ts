import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Redis, Cluster, Result } from "ioredis";

/** Result codes of the Lua scripts (first element of their reply); see includes/common.lua. */
export enum ScriptCode {
  OK = 1,
  VERSION_CONFLICT = -1,
  MESSAGE_NOT_FOUND = -2,
  IDEMPOTENCY_MISMATCH = -3,
  NOT_DUE = -4,
  TOO_LARGE = -5,
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
  rhAppend: "append-4.lua",
  rhPatchMessage: "patch-message-3.lua",
  rhClear: "clear-3.lua",
  rhSetLimit: "set-limit-3.lua",
  rhSetRetention: "set-retention-3.lua",
  rhDiscardRebackfill: "discard-rebackfill-3.lua",
  rhDeleteRoom: "delete-room-3.lua",
  rhReapRoom: "reap-room-3.lua",
  rhReadRoom: "read-room-3.lua",
} as const;

export type ScriptName = keyof typeof SCRIPTS;

/** Registers every script once; ioredis then runs EVALSHA and falls back to EVAL on NOSCRIPT. */
export function defineScripts(redis: Redis | Cluster): void {
  for (const [name, file] of Object.entries(SCRIPTS)) {
    const numberOfKeys = Number(/-(\d+)\.lua$/.exec(file)![1]);
    redis.defineCommand(name, { numberOfKeys, lua: loadScript(file) });
  }
}

export type Reply = (string | number)[];

/**
 * The arguments every mutation script takes first (includes/common.lua, args()): keys, then the
 * shared leading ARGV. Named here so that a call site cannot put them in the wrong order.
 */
export interface MutationHead {
  keys: readonly string[];
  channel: string;
  roomId: string;
  expectedVersion?: number;
  now: string;
  defaultTtlSeconds: number;
  tombstoneTtlSeconds: number;
  maxEventBytes: number;
  defaultLimit: number;
}

export function headArgs(h: MutationHead): (string | number)[] {
  return [
    ...h.keys, h.channel, h.roomId, h.expectedVersion ?? "", h.now, h.defaultTtlSeconds, h.tombstoneTtlSeconds,
    h.maxEventBytes, h.defaultLimit,
  ];
}

/** Index updates a mutation asks for (its reply's elements 2-4): see index_hints() in common.lua. */
export interface IndexHints {
  addRoom: boolean;
  /** A new expiry score, "-" to remove the room from the expiry index, "" for nothing. */
  expiry: string;
  /** A new activity score, or "" for nothing. */
  activity: string;
}

export function hintsOf(reply: Reply): IndexHints {
  return { addRoom: Number(reply[2]) === 1, expiry: String(reply[3]), activity: String(reply[4]) };
}

declare module "ioredis" {
  interface RedisCommander<Context> {
    rhAppend(...args: (string | number)[]): Result<Reply, Context>;
    rhPatchMessage(...args: (string | number)[]): Result<Reply, Context>;
    rhClear(...args: (string | number)[]): Result<Reply, Context>;
    rhSetLimit(...args: (string | number)[]): Result<Reply, Context>;
    rhSetRetention(...args: (string | number)[]): Result<Reply, Context>;
    rhDiscardRebackfill(...args: (string | number)[]): Result<Reply, Context>;
    rhDeleteRoom(...args: (string | number)[]): Result<Reply, Context>;
    rhReapRoom(...args: (string | number)[]): Result<Reply, Context>;
    rhReadRoom(...args: (string | number)[]): Result<Reply, Context>;
  }
}
