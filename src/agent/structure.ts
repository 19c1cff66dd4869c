/**
 * CompactPreservingStructure's planner: before the split, free text (user turns, assistant turns
 * without tool calls, anything else that is not a tool call or result) moves to the archive behind one
 * reference turn naming its seqs; tool-call turns stay with their text cleared and arguments shortened
 * (digest.ts), their results stay as they are. With `aggressive`, tool pairs are collapsed too (into
 * the reference turn's digest) except output-setting calls (set_output) and errors, each kept with its
 * whole pair. Protected entries and earlier summary or reference turns stay untouched. Every rewritten or removed entry's original goes to the
 * archive, so nothing is lost.
 */
import { isProtectedEntry, type Entry } from "../domain/entry.js";
import { entryTokens } from "../prompt/tokens.js";
import type { RewritePlan } from "../store/agent-types.js";
import { shortenToolCall, toolCallDigest } from "./digest.js";
import { assembleHead, compactPlan, seqRanges, sharedRunId, type WindowSnapshot } from "./head.js";
import { closeOverToolPairs, findSplit } from "./split.js";

export interface StructureRequest {
  /** Newest entries left untouched (the proto's default is 4). */
  keepRecent: number;
  phaseGraduated: boolean;
  aggressive: boolean;
  /** The reference turn's id and created_at (the planner stays pure). */
  id: string;
  now: string;
}

export interface StructureOutcome {
  plan: RewritePlan;
  /** Originals moved to the archive: removed entries and the tool-call turns rewritten in place. */
  archived: number;
  /** Tool calls whose arguments were shortened. */
  shortened: number;
  /** The reference turn; undefined when only tool-call turns were rewritten (nothing removed). */
  reference?: Entry;
}

/** The tool name whose calls aggressive compaction keeps (with their results). */
export const OUTPUT_TOOL = "set_output";

function isToolCallTurn(e: Entry): boolean {
  return e.role === "assistant" && (e.tool_calls?.length ?? 0) > 0;
}

/** Which head entries stay (structure) in each mode; the rest are removed. */
function keptIndices(head: readonly Entry[], aggressive: boolean): Set<number> {
  // An earlier summary or reference turn stays: it is already short, and moving it again would make
  // every repeated call a new version with nothing gained.
  const stays = (e: Entry) => isProtectedEntry(e) || e.kind === "summary";
  if (!aggressive) return closeOverToolPairs(head, (e) => stays(e) || e.role === "tool" || isToolCallTurn(e));
  return closeOverToolPairs(head, (e) => stays(e) || (e.role === "tool" && e.is_error === true) ||
    (isToolCallTurn(e) && (e.tool_calls ?? []).some((c) => c.function.name === OUTPUT_TOOL)));
}

/** A kept tool-call turn without its text and with shortened arguments; undefined when nothing changes. */
function rewriteCallTurn(e: Entry): { entry: Entry; shortened: number } | undefined {
  const calls = e.tool_calls ?? [];
  const shortCalls = calls.map((c) => shortenToolCall(c));
  const shortened = shortCalls.filter((c) => c !== undefined).length;
  const hasText = typeof e.content === "string" ? e.content !== "" : e.content.length > 0 || !!e.content_text;
  if (shortened === 0 && !hasText) return undefined;
  const entry: Entry = { ...e, content: "", tool_calls: calls.map((c, i) => shortCalls[i] ?? c) };
  delete entry.content_text;
  entry.tk = entryTokens(entry);
  return { entry, shortened };
}

/** The plan for a CompactPreservingStructure; undefined when nothing before the split would change. */
export function planStructureCompaction(snap: WindowSnapshot, req: StructureRequest): StructureOutcome | undefined {
  const split = findSplit(snap.entries, { keepRecent: req.keepRecent, phaseGraduated: req.phaseGraduated });
  const head = snap.entries.slice(0, split);
  const kept = keptIndices(head, req.aggressive);
  let shortened = 0;
  const archived: Entry[] = [];
  const out = head.map((e, i) => {
    if (!kept.has(i)) {
      archived.push(e);
      return undefined;
    }
    const rewrite = isProtectedEntry(e) || !isToolCallTurn(e) ? undefined : rewriteCallTurn(e);
    if (!rewrite) return e;
    archived.push(e);
    shortened += rewrite.shortened;
    return rewrite.entry;
  });
  if (archived.length === 0) return undefined;
  const removed = head.filter((_, i) => !kept.has(i));
  const { entries, turn } = assembleHead(head, out, (seq) => referenceEntry(req, removed, seq));
  return { plan: compactPlan(snap, split, entries, archived), archived: archived.length, shortened, reference: turn };
}

/** The reference turn's text: where the moved messages are, then (aggressive) the digest of collapsed pairs. */
export function referenceText(removed: readonly Entry[]): string {
  const seqs = removed.flatMap((e) => (e.seq !== undefined ? [e.seq] : []));
  const unnamed = removed.length - seqs.length;
  const where = seqs.length > 0
    ? `seqs ${seqRanges(seqs)}; GetArchive(from_seq=${Math.min(...seqs)}, to_seq=${Math.max(...seqs)}) returns them`
    : "GetArchive(from_seq=0, to_seq=0) returns them";
  const legacy = seqs.length > 0 && unnamed > 0 ? ` (${unnamed} without a seq, under seq 0)` : "";
  const parts = [`[${removed.length} earlier message${removed.length === 1 ? "" : "s"} moved to the room's archive: ${where}${legacy}.]`];
  const digest = toolCallDigest(removed.filter((e) => e.role === "tool" || isToolCallTurn(e)));
  if (digest) parts.push(digest);
  return parts.join("\n\n");
}

function referenceEntry(req: StructureRequest, removed: readonly Entry[], seq: number | undefined): Entry {
  const entry: Entry = { role: "user", content: referenceText(removed), id: req.id, kind: "summary", created_at: req.now };
  if (seq !== undefined) entry.seq = seq;
  const run = sharedRunId(removed);
  if (run) entry.run_id = run;
  entry.tk = entryTokens(entry);
  return entry;
}
