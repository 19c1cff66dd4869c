import type { Entry } from "../domain/entry.js";
import { invalid } from "../domain/errors.js";

/**
 * Where the part of a window GetHistory returns starts: after the newest entry whose seq is at or
 * below afterSeq (legacy entries, which have no seq, ride along after it), then at most the newest
 * `limit`. When no entry has a seq at or below afterSeq (it was trimmed), from the window's start.
 * The part always runs to the window's end.
 */
export function historyStart(entries: readonly Entry[], afterSeq: number, limit: number): number {
  const start = afterSeq > 0 ? indexAfterSeq(entries, afterSeq) : 0;
  return limit > 0 && entries.length - start > limit ? entries.length - limit : start;
}

/** The part of a window GetHistory returns (see historyStart). */
export function selectHistory(entries: readonly Entry[], afterSeq: number, limit: number): Entry[] {
  return entries.slice(historyStart(entries, afterSeq, limit));
}

/** The index after the newest entry whose seq is at or below `seq`; 0 when there is none. */
function indexAfterSeq(entries: readonly Entry[], seq: number): number {
  let start = 0;
  let best = 0;
  entries.forEach((e, i) => {
    if (e.seq && e.seq <= seq && e.seq >= best) {
      best = e.seq;
      start = i + 1;
    }
  });
  return start;
}

/**
 * A page token: the seq of the newest message the previous pages returned that has one (`a`), and how
 * many entries without a seq followed it on that page (`k`, legacy entries). The next page starts
 * after that seq wherever it now sits, so pages continue correctly after appends and trims between
 * them; the response's version tells a client whether the room changed while it paged.
 */
export interface PageCursor {
  afterSeq: number;
  skip: number;
}

/** The cursor after a page that ended just before `end`. */
export function cursorAfter(entries: readonly Entry[], end: number): PageCursor {
  for (let i = end - 1; i >= 0; i--) {
    const seq = entries[i].seq;
    if (seq) return { afterSeq: seq, skip: end - 1 - i };
  }
  return { afterSeq: 0, skip: end };
}

/** Where the page a cursor names starts in `entries` (the window may have changed since). */
export function cursorStart(entries: readonly Entry[], cursor: PageCursor): number {
  if (cursor.afterSeq === 0) return Math.min(cursor.skip, entries.length);
  const start = indexAfterSeq(entries, cursor.afterSeq);
  // The seq was trimmed: everything left is newer than it, and so are the entries it skipped.
  if (start === 0) return 0;
  return Math.min(start + cursor.skip, entries.length);
}

export function encodeHistoryToken(cursor: PageCursor): string {
  return Buffer.from(`h1:${cursor.afterSeq}:${cursor.skip}`, "utf8").toString("base64url");
}

export function decodeHistoryToken(token: string): PageCursor {
  const match = /^h1:(\d{1,16}):(\d{1,9})$/.exec(Buffer.from(token, "base64url").toString("utf8"));
  if (!match) throw invalid("page_token", "is not a next_page_token of GetHistory");
  return { afterSeq: Number(match[1]), skip: Number(match[2]) };
}
