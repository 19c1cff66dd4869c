/**
 * CompactHistory's planner: the head before the split becomes one summary turn (kind "summary", role
 * user), except the protected entries (transition markers, client input, skill content, with their
 * tool pairs), which stay in place. A pure function of a snapshot; the store applies the plan
 * atomically (rewriteHead).
 */
import type { Entry } from "../domain/entry.js";
import { entryTokens } from "../prompt/tokens.js";
import type { RewritePlan } from "../store/agent-types.js";
import { assembleHead, compactPlan, sharedRunId, type WindowSnapshot } from "./head.js";
import { extractOutputValues, PRESERVED_HEADING } from "./output-keys.js";
import { closeOverToolPairs, findSplit, type SplitRule } from "./split.js";

export interface CompactRequest extends SplitRule {
  /** The caller's summary of the replaced turns (not empty). */
  summary: string;
  /** The room's output_keys: their newest values in the replaced assistant turns open the summary. */
  outputKeys: readonly string[];
  /** The summary turn's id and created_at (the planner stays pure). */
  id: string;
  now: string;
}

export interface CompactOutcome {
  plan: RewritePlan;
  /** The summary turn as stored. */
  summary: Entry;
  /** The output-key values found, in the order of the room's output_keys. */
  preserved: Map<string, string>;
  /** How many entries were moved to the archive. */
  compacted: number;
}

/** The summary text: the PRESERVED VALUES block (when values were found), then the caller's summary. */
export function summaryText(summary: string, preserved: ReadonlyMap<string, string>): string {
  if (preserved.size === 0) return summary;
  const lines = [PRESERVED_HEADING, ...[...preserved].map(([k, v]) => `- ${k}: ${v}`)];
  return [...lines, "", "CONVERSATION SUMMARY:", summary].join("\n");
}

/** The plan for a CompactHistory; undefined when nothing before the split can be compacted. */
export function planCompaction(snap: WindowSnapshot, req: CompactRequest): CompactOutcome | undefined {
  const split = findSplit(snap.entries, req);
  const head = snap.entries.slice(0, split);
  const kept = closeOverToolPairs(head);
  const out = head.map((e, i) => (kept.has(i) ? e : undefined));
  const removed = head.filter((_, i) => !kept.has(i));
  if (removed.length === 0) return undefined;
  const preserved = extractOutputValues(removed, req.outputKeys);
  const { entries, turn } = assembleHead(head, out, (seq) => summaryEntry(req, summaryText(req.summary, preserved), seq, removed));
  const summary = turn as Entry;
  return { plan: compactPlan(snap, split, entries, removed), summary, preserved, compacted: removed.length };
}

function summaryEntry(req: CompactRequest, text: string, seq: number | undefined, removed: readonly Entry[]): Entry {
  const entry: Entry = { role: "user", content: text, id: req.id, kind: "summary", created_at: req.now };
  if (seq !== undefined) entry.seq = seq;
  const run = sharedRunId(removed);
  if (run) entry.run_id = run;
  entry.tk = entryTokens(entry);
  return entry;
}
