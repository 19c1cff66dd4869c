/**
 * Where a compaction splits a window (both CompactHistory and CompactPreservingStructure): the head
 * before the split is compacted, the tail after it stays as it is. Pure functions over a snapshot's
 * entries, the same for both stores.
 */
import { isProtectedEntry, type Entry } from "../domain/entry.js";
import { entryTokens } from "../prompt/tokens.js";

/** How the caller chose the split (CompactHistory's keep oneof, phase_graduated). */
export interface SplitRule {
  /** Keep this many of the newest entries (all of them when it exceeds the window). */
  keepRecent?: number;
  /** Keep the newest entries whose tokens fit in this; used when keepRecent is undefined. */
  keepRecentTokens?: number;
  /** When the window has phases: keep the current and the previous phase whole (keep* is ignored). */
  phaseGraduated: boolean;
}

/** The phase_id of the newest entry that has one; undefined when none has. */
export function currentPhase(entries: readonly Entry[]): string | undefined {
  for (let i = entries.length - 1; i >= 0; i--) if (entries[i].phase_id) return entries[i].phase_id;
  return undefined;
}

/**
 * The index of the first entry of the current phase or of the phase before it (the phase of the
 * newest entry, walking back, whose phase differs from the current one); undefined when no entry has
 * a phase. Entries before it are older phases (or none) and are compacted.
 */
export function phaseGraduatedSplit(entries: readonly Entry[]): number | undefined {
  const current = currentPhase(entries);
  if (current === undefined) return undefined;
  let previous: string | undefined;
  for (let i = entries.length - 1; i >= 0 && previous === undefined; i--) {
    const phase = entries[i].phase_id;
    if (phase && phase !== current) previous = phase;
  }
  const index = entries.findIndex((e) => e.phase_id === current || (previous !== undefined && e.phase_id === previous));
  return index < 0 ? undefined : index;
}

/** The entry's tokens as stored (`tk`), or counted now for an entry written without a count. */
export function storedTokens(entry: Entry): number {
  return entry.tk ?? entryTokens(entry);
}

/**
 * Where `rule` splits `entries`, then advanced so that no tool result is separated from its call.
 * The compacted part must end with a message that has a seq: a mirror replaces the messages at or
 * below replaced_through_seq and the seq-less ones before them, so seq-less (legacy) messages right
 * before the split stay in the window; when that would strand a tool result, or no message before
 * the split has a seq, nothing is compacted (0).
 */
export function findSplit(entries: readonly Entry[], rule: SplitRule): number {
  const phased = rule.phaseGraduated ? phaseGraduatedSplit(entries) : undefined;
  const split = advanceSplit(entries, phased ?? keepSplit(entries, rule));
  let end = split;
  while (end > 0 && entries[end - 1].seq === undefined) end--;
  return end === split || advanceSplit(entries, end) === end ? end : 0;
}

function keepSplit(entries: readonly Entry[], rule: SplitRule): number {
  if (rule.keepRecent === undefined && rule.keepRecentTokens !== undefined) {
    let budget = rule.keepRecentTokens;
    let split = entries.length;
    while (split > 0 && storedTokens(entries[split - 1]) <= budget) budget -= storedTokens(entries[--split]);
    return split;
  }
  return Math.max(0, entries.length - (rule.keepRecent ?? 2));
}

/**
 * Moves the split forward past every tool result after it whose call (an assistant turn's tool call
 * with its tool_call_id) lies before it, and past tool results right at the split: the compacted head
 * must never strand a result or split a call from its results.
 */
export function advanceSplit(entries: readonly Entry[], split: number): number {
  const callIndex = toolCallIndex(entries);
  let moved = true;
  while (moved) {
    moved = false;
    while (split < entries.length && entries[split].role === "tool") split++;
    for (let i = entries.length - 1; i >= split; i--) {
      const call = entries[i].role === "tool" ? callIndex.get(entries[i].tool_call_id ?? "") : undefined;
      if (call !== undefined && call < split) {
        split = i + 1;
        moved = true;
        break;
      }
    }
  }
  return split;
}

/** Each tool_call id to the index of the newest assistant turn before its use that made the call. */
export function toolCallIndex(entries: readonly Entry[]): Map<string, number> {
  const index = new Map<string, number>();
  entries.forEach((e, i) => {
    if (e.role === "assistant") for (const c of e.tool_calls ?? []) if (c.id) index.set(c.id, i);
  });
  return index;
}

/**
 * Of the head `entries[0, split)`, which to keep in place: those `keep` marks (at first the protected
 * ones), closed over tool structure, so a kept call keeps its results and a kept result its call
 * (and that call's other results). Returns the kept indices.
 */
export function closeOverToolPairs(head: readonly Entry[], keep: (e: Entry) => boolean = isProtectedEntry): Set<number> {
  const callIndex = toolCallIndex(head);
  const resultsOf = new Map<number, number[]>();
  head.forEach((e, i) => {
    const call = e.role === "tool" ? callIndex.get(e.tool_call_id ?? "") : undefined;
    if (call !== undefined) resultsOf.set(call, [...(resultsOf.get(call) ?? []), i]);
  });
  const kept = new Set<number>();
  const pending = head.flatMap((e, i) => (keep(e) ? [i] : []));
  while (pending.length > 0) {
    const i = pending.pop() as number;
    if (kept.has(i)) continue;
    kept.add(i);
    const e = head[i];
    const call = e.role === "tool" ? callIndex.get(e.tool_call_id ?? "") : undefined;
    if (call !== undefined) pending.push(call);
    pending.push(...(resultsOf.get(i) ?? []));
  }
  return kept;
}
