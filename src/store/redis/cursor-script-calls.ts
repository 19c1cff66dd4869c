/**
 * The typed calls of the run-cursor scripts (get-run-cursor-5.lua, update-run-cursor-5.lua). Same
 * rules as script-calls.ts: arguments in the order of each script's header, replies as named fields.
 */
import type { Cluster, Redis } from "ioredis";
import type { RunCursorUpdate } from "../agent-types.js";
import { headArgv, headKeys, type MutationHead } from "./script-calls.js";
import { ScriptCode } from "./scripts.js";

type Client = Redis | Cluster;

/**
 * `head.expectedVersion` is ignored by both scripts: cursors do not move the room's version. The
 * cursor hash is the head's KEYS[5] (RoomKeys.cursors).
 */
export type CursorHead = MutationHead;

/** The run's stored cursor JSON, '' for none. */
export async function getRunCursor(redis: Client, head: CursorHead, runId: string): Promise<string> {
  const reply = await redis.rhGetRunCursor(...headKeys(head), ...headArgv(head), runId);
  if (reply[0] !== ScriptCode.OK) throw new Error(`get-run-cursor-5.lua returned ${JSON.stringify(reply)}`);
  return String(reply[1]);
}

export type UpdateRunCursorReply =
  | { code: ScriptCode.OK; cursor: string }
  | { code: ScriptCode.VERSION_CONFLICT; currentNextSeq: number }
  | { code: ScriptCode.TOO_LARGE; bytes: number }
  | { code: ScriptCode.ROOM_NOT_FOUND };

export interface UpdateRunCursorArgs {
  runId: string;
  update: RunCursorUpdate;
  maxValuesBytes: number;
}

export async function updateRunCursor(redis: Client, head: CursorHead, a: UpdateRunCursorArgs): Promise<UpdateRunCursorReply> {
  const pairs = Object.entries(a.update.values).flat();
  const reply = await redis.rhUpdateRunCursor(
    ...headKeys(head), ...headArgv(head), a.runId, a.update.nextSeq ?? "", a.update.expectedNextSeq ?? "",
    a.maxValuesBytes, ...pairs,
  );
  switch (reply[0]) {
    case ScriptCode.OK: return { code: ScriptCode.OK, cursor: String(reply[1]) };
    case ScriptCode.VERSION_CONFLICT: return { code: ScriptCode.VERSION_CONFLICT, currentNextSeq: Number(reply[1]) };
    case ScriptCode.TOO_LARGE: return { code: ScriptCode.TOO_LARGE, bytes: Number(reply[1]) };
    case ScriptCode.ROOM_NOT_FOUND: return { code: ScriptCode.ROOM_NOT_FOUND };
    default: throw new Error(`update-run-cursor-5.lua returned ${JSON.stringify(reply.slice(0, 3))}`);
  }
}
