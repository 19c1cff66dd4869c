/**
 * SearchHistory's rules, over entries already read: which messages match (text ignoring case, sender
 * exactly, created_at in [from, to)), and where a page starts. Hits are the archive's (seq order)
 * then the window's (window order); a page token names the section and the position after the last
 * hit returned, by seq, so pages continue correctly when the room changes between them.
 */
import { entryText, type Entry } from "../domain/entry.js";
import { invalid } from "../domain/errors.js";
import { isoToInstant, type Instant } from "../domain/timestamps.js";

export interface SearchQuery {
  /** Lower-cased; "" matches every text. */
  text: string;
  /** "" matches every sender. */
  sender: string;
  from?: Instant;
  to?: Instant;
}

function compare(a: Instant, b: Instant): number {
  return a.seconds - b.seconds || a.nanos - b.nanos;
}

export function matchesSearch(e: Entry, q: SearchQuery): boolean {
  if (q.sender && e.sender !== q.sender) return false;
  if (q.from || q.to) {
    // Text is compared as instants: RFC 3339 with different fraction lengths does not sort as text.
    const at = e.created_at ? isoToInstant(e.created_at) : undefined;
    if (!at) return false;
    if (q.from && compare(at, q.from) < 0) return false;
    if (q.to && compare(at, q.to) >= 0) return false;
  }
  return q.text === "" || entryText(e).toLowerCase().includes(q.text);
}

/**
 * Where the next page starts: in the archive or the window, after `count` hits of seq `seq` (the
 * archive may hold several entries of one seq: a pruned original and a later compaction's copy) and
 * every hit of a lower seq. A seq-less entry counts as seq 0 (legacy, first in both sections).
 */
export interface SearchPosition {
  section: "archive" | "window";
  seq: number;
  count: number;
}

/** The index of the first hit at or after `p` in `hits` (ordered by seq, seq-less first). */
export function startAt(hits: readonly Entry[], p: { seq: number; count: number }): number {
  let i = 0;
  while (i < hits.length && (hits[i].seq ?? 0) < p.seq) i++;
  let skip = p.count;
  while (i < hits.length && skip > 0 && (hits[i].seq ?? 0) === p.seq) {
    i++;
    skip--;
  }
  return i;
}

/** The position after hits[0..end) of one section. */
export function positionAfter(section: SearchPosition["section"], hits: readonly Entry[], end: number): SearchPosition {
  const seq = hits[end - 1]?.seq ?? 0;
  let count = 0;
  for (let i = end - 1; i >= 0 && (hits[i].seq ?? 0) === seq; i--) count++;
  return { section, seq, count };
}

export function encodeSearchToken(p: SearchPosition): string {
  return Buffer.from(`s1:${p.section === "archive" ? "a" : "w"}:${p.seq}:${p.count}`, "utf8").toString("base64url");
}

export function decodeSearchToken(token: string): SearchPosition {
  const m = /^s1:([aw]):(\d{1,16}):(\d{1,9})$/.exec(Buffer.from(token, "base64url").toString("utf8"));
  if (!m) throw invalid("page_token", "is not a next_page_token of SearchHistory");
  return { section: m[1] === "a" ? "archive" : "window", seq: Number(m[2]), count: Number(m[3]) };
}
