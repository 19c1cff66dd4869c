/**
 * What both stores share to apply a RewritePlan and to page the archive, so the Redis script's
 * arguments and the memory store's behaviour come from one reading of the plan.
 */
import { DEFAULT_ARCHIVE_MAX_BYTES, DEFAULT_ARCHIVE_TTL_SECONDS } from "../defaults.js";
import type { Entry } from "../domain/entry.js";
import type { ArchivePage, RewritePlan } from "./agent-types.js";
import type { ArchiveQuery, StoreOptions } from "./store.js";

/** The archive's limits in force (StoreOptions, else the defaults). */
export function archiveDefaults(options: StoreOptions): { archiveMaxBytes: number; archiveTtlSeconds: number } {
  return {
    archiveMaxBytes: options.archiveMaxBytes ?? DEFAULT_ARCHIVE_MAX_BYTES,
    archiveTtlSeconds: options.archiveTtlSeconds ?? DEFAULT_ARCHIVE_TTL_SECONDS,
  };
}

/** How a plan reads to a store: which replaced entries are archived, which head entries the change carries. */
export interface RewriteArgs {
  baseVersion: number;
  baseLength: number;
  baseLastSeq?: number;
  replace: number;
  kind: RewritePlan["kind"];
  replacedThroughSeq: number;
  /** Replaced entries without a seq are archived (a compaction dropping legacy entries). */
  archiveSeqless: boolean;
  /** Seqs of the replaced entries whose originals are archived. */
  archiveSeqs: number[];
  /** Indexes into plan.head of the entries the change carries. */
  changed: number[];
}

export function rewriteArgs(plan: RewritePlan): RewriteArgs {
  return {
    baseVersion: plan.baseVersion,
    baseLength: plan.baseLength,
    baseLastSeq: plan.baseLastSeq,
    replace: plan.replaceCount,
    kind: plan.kind,
    replacedThroughSeq: plan.kind === "compact" ? plan.replacedThroughSeq : 0,
    archiveSeqless: plan.archived.some((e) => e.seq === undefined),
    archiveSeqs: plan.archived.filter((e) => e.seq !== undefined).map((e) => e.seq!),
    changed: plan.changed.map((entry) => changedIndex(plan.head, entry)),
  };
}

/** The head entry a changed entry is: the same object, else the one with its seq. */
function changedIndex(head: Entry[], entry: Entry): number {
  const same = head.indexOf(entry);
  if (same >= 0) return same;
  const bySeq = entry.seq === undefined ? -1 : head.findIndex((e) => e.seq === entry.seq);
  if (bySeq < 0) throw new Error("RewritePlan.changed holds an entry that is not in head");
  return bySeq;
}

/** Whether a replaced entry's original goes to the archive under `args`. */
export function isArchived(entry: Entry, args: RewriteArgs): boolean {
  return entry.seq === undefined ? args.archiveSeqless : args.archiveSeqs.includes(entry.seq);
}

/** The score range of a query, as ZRANGE BYSCORE takes it. */
export function archiveBounds(query: ArchiveQuery): { low: string; high: string } {
  const after = query.afterSeq;
  const low = after !== undefined && after >= query.fromSeq ? `(${after}` : String(query.fromSeq);
  return { low, high: query.toSeq > 0 ? String(query.toSeq) : "+inf" };
}

/** One archived entry and its score (0 for a legacy entry without seq). */
export interface ArchiveRow<T> {
  seq: number;
  entry: T;
}

/**
 * The page of `rows` (in archive order) a query returns, as read-archive-1.lua cuts it: at most
 * `limit` rows, never splitting one seq's rows unless that seq alone fills the page.
 */
export function cutArchivePage<T>(rows: ArchiveRow<T>[], query: ArchiveQuery): { rows: ArchiveRow<T>[]; more: boolean } {
  const after = query.afterSeq;
  const inRange = rows.filter((r) => r.seq >= query.fromSeq && (query.toSeq === 0 || r.seq <= query.toSeq) &&
    (after === undefined || after < query.fromSeq || r.seq > after));
  const size = Math.max(1, query.limit);
  if (inRange.length <= size) return { rows: inRange, more: false };
  const last = inRange[size - 1].seq;
  if (inRange[size].seq !== last) return { rows: inRange.slice(0, size), more: true };
  let keep = size;
  while (keep > 0 && inRange[keep - 1].seq === last) keep--;
  if (keep > 0) return { rows: inRange.slice(0, keep), more: true };
  const group = inRange.filter((r) => r.seq === last);
  return { rows: group, more: inRange.length > group.length };
}

/** The ArchivePage of decoded rows (rows that do not decode are left out). */
export function archivePage(rows: ArchiveRow<Entry | null>[], more: boolean): ArchivePage {
  const entries = rows.flatMap((r) => (r.entry ? [r.entry] : []));
  return { entries, nextAfterSeq: more && rows.length ? rows[rows.length - 1].seq : undefined };
}

/**
 * Whether a plan still applies to a room at `version` with `entries` (rewrite-head-5.lua's rule): the
 * room is as the snapshot was, or (without the caller's expected_version) every mutation since was a
 * pure tail append: `headVersion` (the last mutation that changed more than the tail) is at most the
 * plan's base version, the window is at least as long and the entry the plan saw last keeps its seq.
 */
export function planApplies(
  plan: RewritePlan, version: number, entries: readonly Entry[], headVersion: number | undefined, expected: boolean,
): boolean {
  if (version === plan.baseVersion && entries.length === plan.baseLength) return true;
  if (expected || headVersion === undefined || headVersion > plan.baseVersion) return false;
  if (plan.baseLastSeq === undefined || plan.baseLength === 0 || entries.length < plan.baseLength) return false;
  return entries[plan.baseLength - 1].seq === plan.baseLastSeq;
}
