/**
 * The compacted head of a window and the RewritePlan that installs it (issue 11's seq rules, see
 * CHANGE_KIND_COMPACT in proto/roomhistory/v1/change.proto): the turn written in place of the removed
 * entries (a summary or a reference turn) takes the seq of the oldest of them and sits where it was;
 * kept entries keep their seqs and places, so the window stays in seq order with unique seqs.
 * replaced_through_seq is the newest seq of the whole head: a mirror drops every message at or below
 * it (and the seq-less ones before them) and puts the new head in front, ending equal to GetHistory.
 */
import type { Entry } from "../domain/entry.js";
import type { RewritePlan } from "../store/agent-types.js";

/** What the head planners read: one snapshot's version and entries. */
export interface WindowSnapshot {
  version: number;
  entries: readonly Entry[];
}

/**
 * The new head: `out[i]` is head entry i as it stays (itself or a rewrite) or undefined when it is
 * removed; the turn `makeTurn` builds (given the seq it takes) sits where the oldest removed entry
 * with a seq was (the oldest removed one when none has a seq). No turn when nothing is removed.
 */
export function assembleHead(
  head: readonly Entry[],
  out: readonly (Entry | undefined)[],
  makeTurn: (seq: number | undefined) => Entry,
): { entries: Entry[]; turn?: Entry } {
  const removed = head.flatMap((_, i) => (out[i] === undefined ? [i] : []));
  if (removed.length === 0) return { entries: out as Entry[] };
  const anchor = removed.find((i) => head[i].seq !== undefined) ?? removed[0];
  const turn = makeTurn(head[anchor].seq);
  const entries: Entry[] = [];
  head.forEach((_, i) => {
    if (i === anchor) entries.push(turn);
    const kept = out[i];
    if (kept !== undefined) entries.push(kept);
  });
  return { entries, turn };
}

/** The newest seq among `entries`; 0 when none has one. */
export function newestSeq(entries: readonly Entry[]): number {
  return entries.reduce((max, e) => Math.max(max, e.seq ?? 0), 0);
}

/**
 * The plan replacing the snapshot's first `split` entries by `head`, archiving `archived` (the
 * originals of removed and rewritten entries, as they were), except pruned tool results: the archive
 * already holds their original content under the same seq (PruneToolResults), which GetArchive
 * should return rather than the placeholder.
 */
export function compactPlan(snap: WindowSnapshot, split: number, head: Entry[], archived: Entry[]): RewritePlan {
  return {
    kind: "compact",
    baseVersion: snap.version,
    baseLength: snap.entries.length,
    baseLastSeq: snap.entries.at(-1)?.seq,
    replaceCount: split,
    head,
    archived: archived.filter((e) => e.pr !== 1),
    changed: head,
    replacedThroughSeq: newestSeq(snap.entries.slice(0, split)),
  };
}

/** The run the removed entries belong to, when they all name the same one; undefined otherwise. */
export function sharedRunId(entries: readonly Entry[]): string | undefined {
  const runs = new Set(entries.map((e) => e.run_id ?? ""));
  const [only] = runs;
  return runs.size === 1 && only ? only : undefined;
}

/** "3-5, 8, 11-12": sorted seqs as runs. */
export function seqRanges(seqs: readonly number[]): string {
  const sorted = [...seqs].sort((a, b) => a - b);
  const runs: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    runs.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return runs.join(", ");
}
