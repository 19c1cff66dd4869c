import { describe, expect, it } from "vitest";
import { extractOutputValues, tryExtractKey } from "../../src/agent/output-keys.js";
import type { Entry } from "../../src/domain/entry.js";

describe("output keys (the seed's four strategies)", () => {
  it("reads the whole text as JSON, non-strings as their JSON", () => {
    expect(tryExtractKey('{"result": "42", "n": 1}', "result")).toBe("42");
    expect(tryExtractKey('{"items": [1, 2], "ok": true}', "items")).toBe("[1,2]");
    expect(tryExtractKey('{"ok": true}', "ok")).toBe("true");
  });

  it("finds an embedded JSON object, skipping braces inside strings and objects without the key", () => {
    expect(tryExtractKey('Done. {"other": 1} then {"result": "a}b", "x": {"y": 2}} end', "result")).toBe("a}b");
    expect(tryExtractKey('see {not json} and {"result": {"deep": true}}', "result")).toBe('{"deep":true}');
  });

  it("falls back to `key: value`, then `key = value`, to the end of the line", () => {
    expect(tryExtractKey("Summary\nresult: the answer is 42  \nnext line", "result")).toBe("the answer is 42");
    expect(tryExtractKey("we set result = 7 today", "result")).toBe("7 today");
    expect(tryExtractKey("myresult: 1", "result")).toBeUndefined();
    expect(tryExtractKey("nothing here", "result")).toBeUndefined();
    expect(tryExtractKey("a.b: dotted", "a.b")).toBe("dotted");
  });

  it("prefers JSON over the line formats", () => {
    expect(tryExtractKey('result: line\n{"result": "json"}', "result")).toBe("json");
  });

  it("keeps the newest value of each key, from assistant turns only, in the keys' order", () => {
    const entries: Entry[] = [
      { role: "assistant", content: '{"a": "old", "b": "b1"}' },
      { role: "user", content: "a: from the user" },
      { role: "assistant", content: "a = new" },
      { role: "tool", content: "c: tool", tool_call_id: "x" },
    ];
    const found = extractOutputValues(entries, ["c", "b", "a"]);
    expect([...found]).toEqual([["b", "b1"], ["a", "new"]]);
    expect(extractOutputValues(entries, [])).toEqual(new Map());
  });

  it("keeps the values an earlier summary preserved when that summary is compacted again", () => {
    const entries: Entry[] = [
      { role: "assistant", content: "a: oldest" },
      { role: "user", kind: "summary", content: "PRESERVED VALUES (do not lose these):\n- a: kept\n- b:c: 2\n\nCONVERSATION SUMMARY:\nb: no" },
      { role: "user", content: "a: a user's" },
    ];
    expect([...extractOutputValues(entries, ["a", "b:c", "b"])]).toEqual([["a", "kept"], ["b:c", "2"]]);
    // a summary's own text outside the block is not read
    expect(extractOutputValues([{ role: "user", kind: "summary", content: "a: 1" }], ["a"]).size).toBe(0);
  });
});
