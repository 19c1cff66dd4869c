/**
 * The store's side of agent histories (issue 11): what the service plans in TypeScript and the store
 * applies atomically. Pruning and compaction are planned by pure functions over a snapshot
 * (src/agent/*), the same for both stores, and applied by one store call that refuses to apply when
 * the room moved since the snapshot (its version or its length), so the logic exists once and the
 * mutation is still one atomic script with one version bump and one change.
 */
import type { Entry } from "../domain/entry.js";

/** A rewrite of the front of a room's window, planned from one snapshot. */
export interface RewritePlan {
  /** The change it publishes: "prune" (the rewritten entries, same seqs) or "compact" (the new head). */
  kind: "prune" | "compact";
  /** The snapshot's version and window length: the store applies the plan when both still hold (or see baseLastSeq). */
  baseVersion: number;
  baseLength: number;
  /**
   * The seq of the snapshot's last entry. With it the plan also applies after pure tail appends
   * (rewrite-head-5.lua); undefined keeps the strict rule (version and length unchanged).
   */
  baseLastSeq?: number;
  /** How many entries from the window's front `head` replaces. */
  replaceCount: number;
  /** The entries that take their place, in order (each with its seq and its tk). */
  head: Entry[];
  /** The originals moved to the archive, as they were stored. */
  archived: Entry[];
  /** What the change carries: for "prune" the rewritten entries, for "compact" the whole head. */
  changed: Entry[];
  /** For "compact": the newest seq replaced (RoomChange.replaced_through_seq); 0 for "prune". */
  replacedThroughSeq: number;
}

/** A room's agent options (SetAgentOptions); absent means none set. */
export interface AgentOptions {
  maxContextTokens: number;
  compactionThreshold: number;
  outputKeys: string[];
  archiveTrimmed: boolean;
}

/** The default compaction_threshold. */
export const DEFAULT_COMPACTION_THRESHOLD = 0.8;

/** One page of a room's archive. */
export interface ArchivePage {
  entries: Entry[];
  /** The seq to continue after (exclusive) when more may follow; undefined on the last page. */
  nextAfterSeq?: number;
}

/** A run's cursor (GetRunCursor / UpdateRunCursor). */
export interface RunCursor {
  exists: boolean;
  nextSeq: number;
  values: Record<string, string>;
}

export interface RunCursorUpdate {
  /** Undefined keeps the cursor's next_seq. */
  nextSeq?: number;
  /** Merged in; an empty value removes the key. */
  values: Record<string, string>;
  /** Applies only when the cursor's next_seq equals it (0 for a cursor that does not exist). */
  expectedNextSeq?: number;
}
