import type { ReapRequest, ReapResult } from "../store.js";
import { ScriptCode } from "./scripts.js";
import type { ReapRoomReply } from "./script-calls.js";
import type { RoomIndexes } from "./room-indexes.js";

/** Runs reap-room-5.lua for one room. */
type ReapOne = (roomId: string, maxIdleMs: number, dryRun: boolean) => Promise<ReapRoomReply>;

const PAGE = 100;

/**
 * Expires idle rooms: candidates come from the expiry index (their retention passed) or, with
 * maxIdleSeconds, from the activity index; each is decided by its own atomic script, so a room
 * written meanwhile survives and a room reaped by several replicas at once is expired once.
 * Candidates the script turns down are re-scored, so they stop coming back early.
 */
export async function reapIdleRooms(request: ReapRequest, indexes: RoomIndexes, reapOne: ReapOne): Promise<ReapResult> {
  const byActivity = request.maxIdleSeconds > 0;
  const maxIdleMs = request.maxIdleSeconds * 1000;
  const cutoff = Date.now() - maxIdleMs;
  const roomIds: string[] = [];
  const visited = new Set<string>();
  // Rooms left in place below the cutoff (dry runs, rooms kept forever) are skipped by offset.
  let skipped = 0;
  const maxVisits = request.limit * 10 + PAGE;
  while (visited.size < maxVisits) {
    const page = await indexes.candidates(byActivity, cutoff, skipped, PAGE);
    const fresh = page.filter((id) => !visited.has(id));
    if (fresh.length === 0) return { roomIds, more: false };
    for (const roomId of fresh) {
      if (roomIds.length >= request.limit) return { roomIds, more: true };
      visited.add(roomId);
      const reply = await reapOne(roomId, maxIdleMs, request.dryRun);
      if (reply.code === ScriptCode.OK) {
        roomIds.push(roomId);
        if (request.dryRun) skipped++;
        else await indexes.unindex(roomId);
      } else if (reply.code === ScriptCode.NOT_DUE) {
        await indexes.rescore(roomId, reply.deadline, reply.lastWrite);
        const score = byActivity ? reply.lastWrite : reply.deadline;
        if (score !== "" && Number(score) <= cutoff) skipped++;
      } else {
        await indexes.unindex(roomId);
      }
    }
  }
  return { roomIds, more: true };
}
