/**
 * A mirror's side of CHANGE_KIND_COMPACT, written from the proto's words alone (change.proto): every
 * message with seq at or below replaced_through_seq, and every message without a seq before them, is
 * replaced by the change's messages, placed in order at the front. Tests apply it to the window before
 * a compaction and compare with what the store (or GetHistory) holds after it.
 */
export interface Seqd {
  seq?: number;
}

export function applyCompactChange<T extends Seqd>(window: readonly T[], messages: readonly T[], replacedThroughSeq: number): T[] {
  let lastReplaced = -1;
  window.forEach((m, i) => {
    if (m.seq !== undefined && m.seq !== 0 && m.seq <= replacedThroughSeq) lastReplaced = i;
  });
  const rest = window.filter((m, i) => {
    const seq = m.seq ?? 0;
    if (seq !== 0) return seq > replacedThroughSeq;
    return i > lastReplaced;
  });
  return [...messages, ...rest];
}

/** Seqs of a window are unique and increasing (messages without a seq are skipped). */
export function seqsIncreasing(window: readonly Seqd[]): boolean {
  const seqs = window.flatMap((m) => (m.seq ? [m.seq] : []));
  return seqs.every((s, i) => i === 0 || s > seqs[i - 1]);
}
