/**
 * SetAgentOptions and the agent fields of GetRoomInfo (issue 11): a room's context budget, the share
 * of it at which the room needs compaction, the output keys compaction preserves, whether trimmed
 * turns are archived, and how full the room is. Validate, call the store, shape the reply, as in
 * room-history.ts.
 */
import type * as pb from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import { invalid } from "../domain/errors.js";
import { agentState, NO_AGENT_OPTIONS, windowTokens } from "../store/agent-state.js";
import { DEFAULT_COMPACTION_THRESHOLD, type AgentOptions } from "../store/agent-types.js";
import type { HistoryStore, RoomSnapshot } from "../store/store.js";
import * as check from "../wire/validate.js";
import { writeOptions, type DurabilityDefaults } from "./write-options.js";

export const MAX_OUTPUT_KEYS = 32;
export const MAX_OUTPUT_KEY_CHARS = 64;

export async function setAgentOptions(
  store: HistoryStore, durability: DurabilityDefaults, req: pb.SetAgentOptionsRequest,
): Promise<pb.SetAgentOptionsResponse> {
  const roomId = check.checkRoomId(req.roomId);
  const options = agentOptionsOf(req);
  const r = await store.setAgentOptions(roomId, options, writeOptions(req, durability));
  return { version: r.version, needsCompaction: r.needsCompaction };
}

/** The request's options, checked; INVALID_ARGUMENT naming the field otherwise. */
export function agentOptionsOf(req: pb.SetAgentOptionsRequest): AgentOptions {
  const threshold = req.compactionThreshold ?? DEFAULT_COMPACTION_THRESHOLD;
  if (!(threshold > 0 && threshold <= 1)) {
    throw invalid("compaction_threshold", `must be in (0, 1], got ${threshold}`);
  }
  if (req.outputKeys.length > MAX_OUTPUT_KEYS) {
    throw invalid("output_keys", `at most ${MAX_OUTPUT_KEYS} keys, got ${req.outputKeys.length}`);
  }
  req.outputKeys.forEach((key, i) => {
    const chars = [...key].length;
    if (chars < 1 || chars > MAX_OUTPUT_KEY_CHARS) {
      throw invalid(`output_keys[${i}]`, `must be 1 to ${MAX_OUTPUT_KEY_CHARS} characters, got ${chars}`);
    }
  });
  return {
    maxContextTokens: req.maxContextTokens,
    compactionThreshold: threshold,
    outputKeys: [...req.outputKeys],
    archiveTrimmed: req.archiveTrimmed,
  };
}

/** GetRoomInfo's agent fields, from one snapshot; current_phase is the newest entry's phase that has one. */
export function agentInfo(snap: RoomSnapshot): Pick<pb.GetRoomInfoResponse,
  "tokenCount" | "maxContextTokens" | "compactionThreshold" | "usageRatio" | "needsCompaction" | "outputKeys" |
  "archiveTrimmed" | "currentPhase" | "archiveCount"> {
  const options = snap.agentOptions ?? NO_AGENT_OPTIONS;
  const tokenCount = windowTokens(snap.entries);
  const { usageRatio, needsCompaction } = agentState(tokenCount, snap.renderDefaults?.calibration ?? 1, options);
  return {
    tokenCount,
    maxContextTokens: options.maxContextTokens,
    compactionThreshold: options.compactionThreshold,
    usageRatio,
    needsCompaction,
    outputKeys: [...options.outputKeys],
    archiveTrimmed: options.archiveTrimmed,
    currentPhase: currentPhase(snap),
    archiveCount: snap.archiveCount ?? 0,
  };
}

/** The phase_id of the newest entry that has one; "" when none has. */
function currentPhase(snap: RoomSnapshot): string {
  for (let i = snap.entries.length - 1; i >= 0; i--) if (snap.entries[i].phase_id) return snap.entries[i].phase_id!;
  return "";
}
