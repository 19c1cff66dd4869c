/**
 * PruneToolResults' planner: the seed's prune_old_tool_results rules over one snapshot, as a
 * RewritePlan the store applies atomically (rewriteHead). Walking back from the newest entry, every
 * tool result that may be pruned at all is counted against protect_tokens and kept while the tokens
 * counted before it are under the budget; older ones are pruned. Never pruned: errors, skill content,
 * transition markers, client input, results under 100 characters (an ack pruned looks like a failed
 * call and gets retried), results already pruned, results of the current phase, and legacy results
 * without a seq (a placeholder names the seq GetArchive returns the original under).
 */
import { entryText, isProtectedEntry, type Entry } from "../domain/entry.js";
import { entryTokens } from "../prompt/tokens.js";
import type { RewritePlan } from "../store/agent-types.js";
import type { WindowSnapshot } from "./head.js";
import { currentPhase } from "./split.js";

export const DEFAULT_PROTECT_TOKENS = 5000;
export const DEFAULT_MIN_PRUNE_TOKENS = 2000;
/** Results shorter than this (in characters, code points) are never pruned. */
export const MIN_PRUNABLE_CHARS = 100;

export interface PruneRule {
  protectTokens: number;
  minPruneTokens: number;
}

export interface PruneOutcome {
  plan: RewritePlan;
  /** The pruned entries' seqs, oldest first. */
  seqs: number[];
  /** The originals' tokens minus the placeholders'. */
  freedTokens: number;
}

/** The placeholder a pruned result's content becomes. */
export function prunePlaceholder(chars: number, seq: number): string {
  return `[Pruned tool result: ${chars} characters cleared from context. ` +
    `GetArchive(from_seq=${seq}, to_seq=${seq}) returns the original.]`;
}

/** An entry's tokens: its stored count, else counted now (entries the legacy manager wrote). */
export function tokensOf(entry: Entry): number {
  return entry.tk ?? entryTokens(entry);
}

/** Characters as code points, as Python's len() counts them. */
function charCount(text: string): number {
  return [...text].length;
}

/** Whether the rules let `entry` be pruned at all (before the budget). */
export function isPrunable(entry: Entry, phase: string | undefined): boolean {
  if (entry.role !== "tool" || entry.seq === undefined) return false;
  if (entry.is_error || entry.pr === 1 || isProtectedEntry(entry)) return false;
  if (phase !== undefined && entry.phase_id === phase) return false;
  return charCount(entryText(entry)) >= MIN_PRUNABLE_CHARS;
}

/** The pruned form of `entry`: same seq, role, tool_call_id and the rest; placeholder content, pr=1, tk recounted. */
export function prunedEntry(entry: Entry): Entry {
  const out: Entry = { ...entry, content: prunePlaceholder(charCount(entryText(entry)), entry.seq!), pr: 1 };
  delete out.content_text;
  out.tk = entryTokens(out);
  return out;
}

/** The prune of `snap`, or undefined when it would free fewer than rule.minPruneTokens tokens. */
export function planPrune(snap: WindowSnapshot, rule: PruneRule): PruneOutcome | undefined {
  const phase = currentPhase(snap.entries);
  const chosen: number[] = [];
  let protectedTokens = 0;
  for (let i = snap.entries.length - 1; i >= 0; i--) {
    const entry = snap.entries[i];
    if (!isPrunable(entry, phase)) continue;
    if (protectedTokens < rule.protectTokens) protectedTokens += tokensOf(entry);
    else chosen.push(i);
  }
  if (chosen.length === 0) return undefined;
  chosen.reverse();
  const replaceCount = chosen[chosen.length - 1] + 1;
  const head = snap.entries.slice(0, replaceCount);
  const changed: Entry[] = [];
  let freedTokens = 0;
  for (const i of chosen) {
    const pruned = prunedEntry(snap.entries[i]);
    freedTokens += tokensOf(snap.entries[i]) - pruned.tk!;
    head[i] = pruned;
    changed.push(pruned);
  }
  if (freedTokens < rule.minPruneTokens) return undefined;
  const plan: RewritePlan = {
    kind: "prune", baseVersion: snap.version, baseLength: snap.entries.length,
    baseLastSeq: snap.entries.at(-1)?.seq, replaceCount,
    head, archived: chosen.map((i) => snap.entries[i]), changed, replacedThroughSeq: 0,
  };
  return { plan, seqs: chosen.map((i) => snap.entries[i].seq!), freedTokens };
}
