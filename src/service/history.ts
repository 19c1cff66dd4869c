import type { Entry } from "../domain/entry.js";

/**
 * The part of a window GetHistory returns: the entries after the newest one whose seq is at or
 * below afterSeq (legacy entries, which have no seq, ride along after it), then the newest `limit`.
 * When no entry has a seq at or below afterSeq (it was trimmed), the whole window is returned.
 */
export function selectHistory(entries: readonly Entry[], afterSeq: number, limit: number): Entry[] {
  let start = 0;
  if (afterSeq > 0) {
    let best = 0;
    entries.forEach((e, i) => {
      if (e.seq && e.seq <= afterSeq && e.seq >= best) {
        best = e.seq;
        start = i + 1;
      }
    });
  }
  const out = entries.slice(start);
  return limit > 0 && out.length > limit ? out.slice(out.length - limit) : out;
}
