import { describe, expect, it } from "vitest";
import { decodeEntry, encodeEntry, entryId, trimCount } from "../../src/domain/entry.js";
import { parseReactionsTag, formatReactions } from "../../src/domain/tags.js";
import { instantToIso, isoToInstant } from "../../src/domain/timestamps.js";
import { selectHistory } from "../../src/service/history.js";
import { coalesce, MAX_MERGED_BYTES, MAX_MERGED_ENTRIES } from "../../src/watch/coalesce.js";
import { repairToolCalls } from "../../src/prompt/chat.js";
import type { StoreChange } from "../../src/store/store.js";

describe("entries", () => {
  it("encodes role first and decodes legacy and broken entries", () => {
    expect(encodeEntry({ id: "1", content: "x", role: "user" } as never)).toBe('{"role":"user","content":"x","id":"1"}');
    expect(decodeEntry('{"role": "user", "content": "[Message ID: 9] hi"}')).toEqual({ role: "user", content: "[Message ID: 9] hi" });
    for (const bad of ["{nope", "[]", "null", '{"content":"x"}', '{"role":"user","content":5}']) expect(decodeEntry(bad)).toBeNull();
    expect(entryId(decodeEntry('{"role":"user","content":"a [Message ID: 9] b"}')!)).toBe("9");
  });

  it("trims counted roles, then orphaned tool results", () => {
    expect(trimCount(["user", "assistant", "user"], 3)).toBe(0);
    expect(trimCount(["user", "assistant", "user"], 2)).toBe(1);
    expect(trimCount(["assistant", "tool", "tool", "user", "user"], 2)).toBe(3);
    expect(trimCount(["tool", "tool", "system", "user", "user"], 1)).toBe(4);
    // By bytes as well: the oldest go until the rest fits, then the results of a dropped call.
    expect(trimCount(["user", "assistant", "tool", "user"], 10, [50, 30, 5, 40], 60)).toBe(3);
    expect(trimCount(["user", "user"], 10, [50, 40], 90)).toBe(0);
  });
});

describe("timestamps and tags", () => {
  it("keeps nanoseconds through RFC 3339", () => {
    expect(instantToIso({ seconds: 1_700_000_000, nanos: 123_456_789 })).toBe("2023-11-14T22:13:20.123456789Z");
    expect(isoToInstant("2023-11-14T22:13:20.123456Z")).toEqual({ seconds: 1_700_000_000, nanos: 123_456_000 });
    expect(isoToInstant("2023-11-14T23:13:20+01:00")).toEqual({ seconds: 1_700_000_000, nanos: 0 });
    expect(isoToInstant("yesterday")).toBeUndefined();
  });

  it("reads back the reactions it formats, and legacy variants", () => {
    const r = [{ emoji: "👍", count: 2 }, { emoji: "🎉" }];
    expect(parseReactionsTag(`[Reactions: ${formatReactions(r)}]`)).toEqual(r);
    expect(parseReactionsTag("[Reactions: 👍 3, ❤️x2]")).toEqual([{ emoji: "👍", count: 3 }, { emoji: "❤️", count: 2 }]);
  });
});

describe("history selection", () => {
  const e = (seq?: number) => ({ role: "user", content: String(seq), seq });
  const window = [e(1), e(2), e(), e(3), e(4)];
  it("returns what follows after_seq, legacy entries included, then the newest limit", () => {
    expect(selectHistory(window, 2, 0).map((x) => x.seq)).toEqual([undefined, 3, 4]);
    expect(selectHistory(window, 4, 0)).toEqual([]);
    expect(selectHistory([e(5), e(6)], 2, 0).map((x) => x.seq)).toEqual([5, 6]);
    expect(selectHistory(window, 0, 2).map((x) => x.seq)).toEqual([3, 4]);
  });
});

describe("watch coalescing", () => {
  const change = (v: number, kind: StoreChange["kind"] = "append", n = 1): StoreChange => ({
    roomId: "r", version: v, previousVersion: v - 1, kind, entries: Array.from({ length: n }, () => ({ role: "user", content: `${v}` })),
    omitted: false, trimmed: 1,
  });
  it("merges consecutive appends exactly and anything else into a resync", () => {
    const m = coalesce(change(2), change(3));
    expect(m).toMatchObject({ previousVersion: 1, version: 3, kind: "append", trimmed: 2 });
    expect(m.entries.map((x) => x.content)).toEqual(["2", "3"]);
    expect(coalesce(change(2), change(3, "update"))).toMatchObject({ previousVersion: 1, version: 3, kind: "resync", entries: [] });
    expect(coalesce(change(2, "append", MAX_MERGED_ENTRIES), change(3))).toMatchObject({ kind: "resync" });
    const big = { ...change(3), entries: [{ role: "user", content: "x".repeat(MAX_MERGED_BYTES) }] };
    expect(coalesce(change(2), big)).toMatchObject({ kind: "resync", previousVersion: 1, version: 3 });
  });
});

describe("tool-call repair", () => {
  const call = (id: string) => ({ id, type: "function" as const, function: { name: "f", arguments: "{}" } });
  it("drops stray results and answers unanswered calls", () => {
    const out = repairToolCalls([
      { role: "tool", tool_call_id: "x", content: "stray" },
      { role: "assistant", content: null, tool_calls: [call("a"), call("b")] },
      { role: "tool", tool_call_id: "b", content: "B" },
      { role: "user", content: "next" },
      { role: "tool", tool_call_id: "a", content: "late" },
    ]);
    expect(out.repaired).toBe(3);
    expect(out.messages.map((m) => [m.role, m.tool_call_id ?? ""])).toEqual([
      ["assistant", ""], ["tool", "b"], ["tool", "a"], ["user", ""],
    ]);
  });
});
