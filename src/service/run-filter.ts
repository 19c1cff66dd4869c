/**
 * The run and phase filters of GetHistory and RenderMessages (issue 11): a filtered read is the same
 * read over the window's messages of that run and/or phase, so limit, after_seq, pages, tool-call
 * repair and token budgets all apply to them. A filtered window is made once per room version and
 * filter and kept in the read cache beside the unfiltered one, under keys that name the filter.
 */
import { entryBytes, type Entry } from "../domain/entry.js";
import type { RoomSnapshot } from "../store/store.js";
import type { Derived } from "../store/snapshot-cache.js";
import { checkAgentName } from "../wire/validate.js";

export interface RunFilter {
  /** "" matches every run. */
  runId: string;
  /** "" matches every phase. */
  phaseId: string;
}

/** The request's filter, checked; undefined when it names neither a run nor a phase. */
export function runFilter(req: { runId: string; phaseId: string }): RunFilter | undefined {
  const runId = checkAgentName(req.runId, "run_id");
  const phaseId = checkAgentName(req.phaseId, "phase_id");
  return runId || phaseId ? { runId, phaseId } : undefined;
}

/** What a derived value of a filtered read is cached under: distinct for every filter (ids have no spaces). */
export function filterKey(f: RunFilter | undefined, key: string): string {
  return f ? `run ${f.runId} phase ${f.phaseId} ${key}` : key;
}

export function matchesFilter(e: Entry, f: RunFilter): boolean {
  return (!f.runId || e.run_id === f.runId) && (!f.phaseId || e.phase_id === f.phaseId);
}

/** Keeps a value per snapshot (the handler passes the store's SnapshotCache.derive for the room). */
export type Derive = <T>(key: string, make: () => Derived<T>) => T;

/**
 * The snapshot as the filter sees it: the same object without a filter, else a view whose entries
 * (and their bytes) are the matching ones, made once per snapshot and filter.
 */
export function filteredSnapshot(snap: RoomSnapshot, f: RunFilter | undefined, derive: Derive): RoomSnapshot {
  if (!f) return snap;
  return derive(filterKey(f, "snapshot"), () => {
    const entries = snap.entries.filter((e) => matchesFilter(e, f));
    const bytes = entries.reduce((n, e) => n + entryBytes(e), 0);
    // The entries are the snapshot's own objects: only the array and the view are new.
    return { value: { ...snap, entries, bytes }, bytes: 64 + 8 * entries.length };
  });
}
