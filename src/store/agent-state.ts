/**
 * A room's context accounting for agents (issue 11): its token total, and how full its context budget
 * is. The Redis store computes the same in Lua for every change event (agent_state() in
 * includes/common.lua, same arithmetic in the same order, so both reach the same doubles); the
 * conformance suite holds the two together.
 */
import type { Entry } from "../domain/entry.js";
import { DEFAULT_COMPACTION_THRESHOLD, type AgentOptions } from "./agent-types.js";

/** The window's token total: the sum of its entries' own tokens ("tk"; 0 for an entry without). */
export function windowTokens(entries: readonly Entry[]): number {
  let total = 0;
  for (const e of entries) total += e.tk ?? 0;
  return total;
}

export interface AgentState {
  /** tokens × calibration / max_context_tokens; 0 without a budget. */
  usageRatio: number;
  /** usageRatio at or over the threshold; false without a budget. */
  needsCompaction: boolean;
}

/** How full a room's context budget is, with its Anthropic calibration (1 without reports). */
export function agentState(tokens: number, calibration: number, options: AgentOptions | undefined): AgentState {
  const budget = options?.maxContextTokens ?? 0;
  if (budget <= 0) return { usageRatio: 0, needsCompaction: false };
  const usageRatio = tokens * calibration / budget;
  return { usageRatio, needsCompaction: usageRatio >= options!.compactionThreshold };
}

/** The options a room without SetAgentOptions has. */
export const NO_AGENT_OPTIONS: AgentOptions = {
  maxContextTokens: 0, compactionThreshold: DEFAULT_COMPACTION_THRESHOLD, outputKeys: [], archiveTrimmed: false,
};
