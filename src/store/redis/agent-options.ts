/**
 * A room's agent options as read-room-5.lua returns them (meta hash fields mct, cth, okeys, atr), and
 * what set-agent-options-5.lua is given.
 */
import { DEFAULT_COMPACTION_THRESHOLD, type AgentOptions } from "../agent-types.js";
import type { ReadRoomReply, SetAgentOptionsArgs } from "./script-calls.js";

/** The script arguments of a SetAgentOptions. */
export function agentOptionsArgs(options: AgentOptions): SetAgentOptionsArgs {
  return {
    maxContextTokens: options.maxContextTokens,
    // 17 significant digits read back as the very same double (as the calibration sums).
    threshold: options.compactionThreshold.toPrecision(17),
    outputKeysJson: options.outputKeys.length ? JSON.stringify(options.outputKeys) : "",
    archiveTrimmed: options.archiveTrimmed,
  };
}

/** The snapshot's agent options; undefined for a room SetAgentOptions never set (the threshold is always stored). */
export function agentOptionsOf(reply: ReadRoomReply): AgentOptions | undefined {
  if (reply.threshold === "") return undefined;
  let outputKeys: string[] = [];
  if (reply.outputKeysJson !== "") {
    try {
      const value: unknown = JSON.parse(reply.outputKeysJson);
      if (Array.isArray(value)) outputKeys = value.filter((k): k is string => typeof k === "string");
    } catch {
      // Written only by set-agent-options-5.lua from JSON.stringify: unreachable; read as none.
    }
  }
  const threshold = Number(reply.threshold);
  return {
    maxContextTokens: Number(reply.maxContextTokens || 0),
    compactionThreshold: threshold > 0 && threshold <= 1 ? threshold : DEFAULT_COMPACTION_THRESHOLD,
    outputKeys,
    archiveTrimmed: reply.archiveTrimmed === "1",
  };
}
