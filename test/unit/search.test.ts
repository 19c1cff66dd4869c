import { describe, expect, it } from "vitest";
import type { Entry } from "../../src/domain/entry.js";
import {
  decodeSearchToken, encodeSearchToken, matchesSearch, positionAfter, startAt,
} from "../../src/service/search.js";

const e = (seq: number | undefined, content: Entry["content"], extra: Partial<Entry> = {}): Entry => ({ role: "user", content, seq, ...extra });

describe("SearchHistory rules", () => {
  it("matches text ignoring case (text parts too), sender exactly, created_at in [from, to) as instants", () => {
    const q = { text: "", sender: "" };
    expect(matchesSearch(e(1, "Hello World"), { ...q, text: "o w" })).toBe(true);
    expect(matchesSearch(e(1, [{ type: "text", text: "Part ONE" }]), { ...q, text: "part one" })).toBe(true);
    expect(matchesSearch(e(1, "x", { sender: "Ann" }), { ...q, sender: "ann" })).toBe(false);
    // "…:00.5Z" sorts before "…:00Z" as text, but is half a second later.
    const half = e(1, "x", { created_at: "2026-01-01T00:00:00.5Z" });
    expect(matchesSearch(half, { ...q, from: { seconds: 1767225600, nanos: 0 } })).toBe(true);
    expect(matchesSearch(half, { ...q, to: { seconds: 1767225600, nanos: 500_000_000 } })).toBe(false);
    expect(matchesSearch(e(1, "no time"), { ...q, from: { seconds: 0, nanos: 0 } })).toBe(false);
  });

  it("continues after archived entries that share a seq (a pruned original and a later compaction's copy)", () => {
    const hits = [e(undefined, "legacy"), e(2, "a"), e(2, "b"), e(2, "c"), e(5, "d")];
    const p = positionAfter("archive", hits, 3);
    expect(p).toEqual({ section: "archive", seq: 2, count: 2 });
    expect(hits.slice(startAt(hits, p)).map((h) => h.content)).toEqual(["c", "d"]);
    expect(startAt(hits, positionAfter("archive", hits, 1))).toBe(1);
    // A position whose seq has no hits left starts at the next seq.
    expect(startAt([e(7, "x")], { seq: 2, count: 3 })).toBe(0);
    expect(decodeSearchToken(encodeSearchToken(p))).toEqual(p);
    expect(() => decodeSearchToken("h1:1:1")).toThrow(/page_token/);
  });
});
