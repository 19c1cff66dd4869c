import { describe, expect, it } from "vitest";
import { planCompaction, summaryText, type CompactRequest } from "../../src/agent/compact.js";
import { planStructureCompaction, type StructureRequest } from "../../src/agent/structure.js";
import { findSplit, phaseGraduatedSplit } from "../../src/agent/split.js";
import { shortenToolCall, TOOL_ARGUMENTS_LIMIT } from "../../src/agent/digest.js";
import type { Entry } from "../../src/domain/entry.js";
import type { RewritePlan } from "../../src/store/agent-types.js";
import { applyCompactChange, seqsIncreasing } from "./mirror.js";

let seq = 0;
const user = (content: string, extra: Partial<Entry> = {}): Entry => ({ role: "user", content, seq: ++seq, tk: 10, ...extra });
const said = (content: string, extra: Partial<Entry> = {}): Entry => ({ role: "assistant", content, seq: ++seq, tk: 10, ...extra });
const call = (id: string, name = "web_search", args = '{"query":"q"}', extra: Partial<Entry> = {}): Entry =>
  said("", { tool_calls: [{ id, type: "function", function: { name, arguments: args } }], ...extra });
const result = (id: string, content = "r", extra: Partial<Entry> = {}): Entry =>
  ({ role: "tool", content, tool_call_id: id, seq: ++seq, tk: 10, ...extra });

const req = (over: Partial<CompactRequest> = {}): CompactRequest =>
  ({ summary: "S", outputKeys: [], id: "rh_sum", now: "2026-11-22T00:00:00.000Z", phaseGraduated: false, ...over });
const sreq = (over: Partial<StructureRequest> = {}): StructureRequest =>
  ({ keepRecent: 4, phaseGraduated: false, aggressive: false, id: "rh_ref", now: "2026-11-22T00:00:00.000Z", ...over });

/** The window after the plan, as the store applies it. */
function applied(entries: Entry[], plan: RewritePlan): Entry[] {
  return [...plan.head, ...entries.slice(plan.replaceCount)];
}

/** Every invariant a compaction must keep: mirror equality, seq order, archive = what left or changed. */
function checkInvariants(entries: Entry[], plan: RewritePlan): Entry[] {
  const after = applied(entries, plan);
  expect(applyCompactChange(entries, plan.changed, plan.replacedThroughSeq)).toEqual(after);
  expect(seqsIncreasing(after)).toBe(true);
  expect(plan.baseLength).toBe(entries.length);
  for (const a of plan.archived) expect(entries).toContain(a);
  // Every original is either still in the window unchanged or in the archive.
  for (const e of entries) expect(after.includes(e) || plan.archived.includes(e)).toBe(true);
  // No tool result is left without its call.
  const calls = new Set(after.flatMap((e) => (e.tool_calls ?? []).map((c) => c.id)));
  for (const e of after) if (e.role === "tool") expect(calls.has(e.tool_call_id!)).toBe(true);
  return after;
}

describe("CompactHistory planner", () => {
  it("keeps the newest two by default, places the summary at the oldest replaced seq", () => {
    const w = [user("a"), said("b"), user("c"), said("d"), user("e")];
    const out = planCompaction({ version: 7, entries: w }, req())!;
    const after = checkInvariants(w, out.plan);
    expect(after.map((e) => e.content)).toEqual(["S", "d", "e"]);
    expect(out.summary).toMatchObject({ role: "user", kind: "summary", seq: w[0].seq, id: "rh_sum", created_at: "2026-11-22T00:00:00.000Z" });
    expect(out.summary.tk).toBeGreaterThan(0);
    expect(out.plan).toMatchObject({ kind: "compact", baseVersion: 7, replaceCount: 3, replacedThroughSeq: w[2].seq });
    expect(out.plan.archived).toEqual(w.slice(0, 3));
    expect(out.compacted).toBe(3);
  });

  it("never strands a tool result: the split moves past the results of a call before it", () => {
    const w = [user("a"), call("c1"), result("c1"), call("c2"), result("c2", "x"), result("c2b", "y"), said("end")];
    w[3].tool_calls!.push({ id: "c2b", type: "function", function: { name: "f", arguments: "{}" } });
    // keep 3 would split between c2's call and its two results
    const out = planCompaction({ version: 1, entries: w }, req({ keepRecent: 3 }))!;
    const after = checkInvariants(w, out.plan);
    expect(after.map((e) => e.content)).toEqual(["S", "end"]);
    // and results right at the split with their call before it (keep 2)
    expect(findSplit(w, { keepRecent: 2, phaseGraduated: false })).toBe(6);
  });

  it("does not archive a pruned result again: the archive has its original", () => {
    const w = [call("p"), result("p", "[Pruned tool result: ...]", { pr: 1 }), user("x"), said("y"), user("z")];
    const out = planCompaction({ version: 1, entries: w }, req())!;
    expect(out.compacted).toBe(3);
    expect(out.plan.archived).toEqual([w[0], w[2]]);
  });

  it("keeps protected entries, with their tool pairs, in place", () => {
    const w = [user("a"), user("in", { ci: 1 }), said("b"), call("k", "activate", "{}", { sc: 1 }), result("k"),
      said("t", { tm: 1 }), user("c"), said("d"), user("e")];
    const out = planCompaction({ version: 1, entries: w }, req())!;
    const after = checkInvariants(w, out.plan);
    expect(after.map((e) => e.content)).toEqual(["S", "in", "", "r", "t", "d", "e"]);
    expect(out.plan.archived.map((e) => e.content)).toEqual(["a", "b", "c"]);
    // only protected entries before the split: nothing to compact
    expect(planCompaction({ version: 1, entries: [user("x", { tm: 1 }), user("y"), said("z")] }, req())).toBeUndefined();
  });

  it("nothing to compact: too few messages, or keep covers the window", () => {
    expect(planCompaction({ version: 1, entries: [] }, req())).toBeUndefined();
    expect(planCompaction({ version: 1, entries: [user("a"), said("b")] }, req())).toBeUndefined();
    expect(planCompaction({ version: 1, entries: [user("a"), said("b")] }, req({ keepRecent: 0 }))!.compacted).toBe(2);
  });

  it("keep_recent_tokens keeps the newest messages whose tokens fit", () => {
    const w = [user("a", { tk: 5 }), said("b", { tk: 50 }), user("c", { tk: 30 }), said("d", { tk: 20 })];
    const out = planCompaction({ version: 1, entries: w }, req({ keepRecentTokens: 60 }))!;
    expect(checkInvariants(w, out.plan).map((e) => e.content)).toEqual(["S", "c", "d"]);
    expect(planCompaction({ version: 1, entries: w }, req({ keepRecentTokens: 1000 }))).toBeUndefined();
  });

  it("phase-graduated keeps the current and previous phases whole", () => {
    const w = [user("x"), said("p1", { phase_id: "A" }), user("p1b", { phase_id: "A" }), said("p2", { phase_id: "B" }),
      user("free"), said("p3", { phase_id: "C" }), said("p3b", { phase_id: "C" })];
    const out = planCompaction({ version: 1, entries: w }, req({ phaseGraduated: true, keepRecent: 1 }))!;
    expect(checkInvariants(w, out.plan).map((e) => e.content)).toEqual(["S", "p2", "free", "p3", "p3b"]);
    // a revisited phase: current C, previous B; A's turns before B's first turn go
    const r = [said("a", { phase_id: "A" }), said("b", { phase_id: "B" }), said("c", { phase_id: "C" }), said("b2", { phase_id: "B" }),
      said("c2", { phase_id: "C" })];
    expect(phaseGraduatedSplit(r)).toBe(1);
    // one phase only: what precedes it is compacted, the phase stays
    expect(phaseGraduatedSplit([user("u"), said("a", { phase_id: "A" })])).toBe(1);
    // no phases: keep applies
    expect(phaseGraduatedSplit([user("u"), said("v")])).toBeUndefined();
  });

  it("opens the summary with the newest output-key values of the replaced assistant turns", () => {
    const w = [said('{"result": "first"}'), said("score: 3"), user("result: not an assistant"), said("result = second"),
      user("q"), said("result: kept, not replaced")];
    const out = planCompaction({ version: 1, entries: w }, req({ outputKeys: ["score", "result", "missing"] }))!;
    expect([...out.preserved]).toEqual([["score", "3"], ["result", "second"]]);
    expect(out.summary.content).toBe("PRESERVED VALUES (do not lose these):\n- score: 3\n- result: second\n\nCONVERSATION SUMMARY:\nS");
    expect(summaryText("S", new Map())).toBe("S");
  });

  it("legacy messages without a seq: compacted before a seq'd one, kept at the end of the compacted part", () => {
    const legacy = (content: string): Entry => ({ role: "user", content });
    const w = [legacy("l1"), user("a"), legacy("l2"), said("b"), user("c")];
    const out = planCompaction({ version: 1, entries: w }, req({ keepRecent: 2 }))!;
    // l2 sits right before the split: it stays (a mirror could not tell it from a newer legacy message)
    expect(checkInvariants(w, out.plan).map((e) => e.content)).toEqual(["S", "l2", "b", "c"]);
    expect(out.summary.seq).toBe(w[1].seq);
    expect(planCompaction({ version: 1, entries: [legacy("x"), legacy("y"), user("z")] }, req({ keepRecent: 1 }))).toBeUndefined();
  });

  it("a summary from an earlier compaction is itself compacted by the next one", () => {
    const w = [user("a"), said("b"), user("c"), said("d")];
    const first = planCompaction({ version: 1, entries: w }, req())!;
    const w2 = [...applied(w, first.plan), user("e"), said("f")];
    const second = planCompaction({ version: 2, entries: w2 }, req({ summary: "S2", id: "rh_2" }))!;
    const after = checkInvariants(w2, second.plan);
    expect(after.map((e) => e.content)).toEqual(["S2", "e", "f"]);
    // the values the first summary preserved survive the second
    const keyed = planCompaction({ version: 1, entries: [said("answer: 42"), user("x"), said("y"), user("z")] }, req({ outputKeys: ["answer"] }))!;
    const next = [...applied([said("answer: 42"), user("x"), said("y"), user("z")], keyed.plan), user("n1"), said("n2")];
    const again = planCompaction({ version: 2, entries: next }, req({ outputKeys: ["answer"], summary: "S2" }))!;
    expect([...again.preserved]).toEqual([["answer", "42"]]);
    expect(second.summary.seq).toBe(w[0].seq);
  });
});

describe("CompactPreservingStructure planner", () => {
  const long = JSON.stringify({ query: "q".repeat(300), note: "é\"\\".repeat(100), n: 5 });

  it("moves free text behind a reference turn and keeps tool structure with short arguments", () => {
    const w = [user("task"), call("c1", "web_search", long), result("c1", "found"), said("thinking"), call("c2"), result("c2"),
      user("more"), said("r1"), user("r2"), said("r3")];
    w[1].content = "let me search";
    const out = planStructureCompaction({ version: 3, entries: w }, sreq({ keepRecent: 2 }))!;
    const after = checkInvariants(w, out.plan);
    expect(after.map((e) => e.role + ":" + (typeof e.content === "string" ? e.content.slice(0, 12) : ""))).toEqual([
      "user:[4 earlier m", "assistant:", "tool:found", "assistant:", "tool:r", "user:r2", "assistant:r3"]);
    expect(out.reference).toMatchObject({ seq: w[0].seq, kind: "summary", role: "user" });
    expect(out.reference!.content).toContain(`seqs ${w[0].seq}, ${w[3].seq}, ${w[6].seq}-${w[7].seq}`);
    expect(out.reference!.content).toContain(`GetArchive(from_seq=${w[0].seq}, to_seq=${w[7].seq})`);
    const shortened = after[1].tool_calls![0].function.arguments;
    expect(shortened.length).toBeLessThanOrEqual(TOOL_ARGUMENTS_LIMIT);
    expect(JSON.parse(shortened)).toHaveProperty("_compacted");
    expect(after[1].seq).toBe(w[1].seq);
    expect(after[3]).toBe(w[4]); // short arguments and no text: untouched
    expect(out.shortened).toBe(1);
    // archived: the moved free text and the original of the rewritten call turn
    expect(out.plan.archived).toEqual([w[0], w[1], w[3], w[6], w[7]]);
    expect(out.archived).toBe(5);
  });

  it("shortened arguments are valid JSON of at most 200 characters, whatever the input", () => {
    for (const args of [long, "x".repeat(500), JSON.stringify(["a".repeat(400)]), JSON.stringify("\u{1F600}".repeat(200)),
      JSON.stringify({ k: "\n\t\"".repeat(200) }), `{"broken": "${"z".repeat(300)}`]) {
      const s = shortenToolCall({ id: "i", type: "function", function: { name: "f", arguments: args } })!;
      expect(s.function.arguments.length).toBeLessThanOrEqual(TOOL_ARGUMENTS_LIMIT);
      expect(() => { JSON.parse(s.function.arguments); }).not.toThrow();
      expect(s.id).toBe("i");
    }
    expect(shortenToolCall({ id: "i", type: "function", function: { name: "f", arguments: "{}" } })).toBeUndefined();
  });

  it("aggressive: keeps set_output and error pairs, collapses the rest into the digest", () => {
    const w = [user("task"), call("s1", "web_search", '{"query":"cats"}'), result("s1", "lots"),
      call("o1", "set_output", '{"key":"answer","value":"42"}'), result("o1", "ok"),
      call("e1", "web_scrape", '{"url":"http://x"}'), result("e1", "404 not found", { is_error: true }),
      call("f1", "save_data", '{"filename":"a.txt"}'), result("f1", "saved"),
      user("r1"), said("r2"), user("r3"), said("r4")];
    const out = planStructureCompaction({ version: 3, entries: w }, sreq({ aggressive: true }))!;
    const after = checkInvariants(w, out.plan);
    expect(after.slice(1, 5).map((e) => e.tool_call_id ?? e.tool_calls?.[0].id)).toEqual(["o1", "o1", "e1", "e1"]);
    const ref = out.reference!.content as string;
    expect(ref).toContain("TOOLS ALREADY CALLED:\n  web_search (1x):\n  - cats");
    expect(ref).toContain("save_data (1x):\n  - a.txt");
    expect(ref).toContain("FILES SAVED: a.txt");
    expect(ref).not.toContain("OUTPUTS SET"); // the set_output pair stayed in the window
    expect(ref).not.toContain("ERRORS"); // so did the error pair
    expect(out.plan.archived.map((e) => e.seq)).toEqual([w[0], w[1], w[2], w[7], w[8]].map((e) => e.seq));
  });

  it("nothing to change: no plan; only long arguments: rewritten in place, no reference turn", () => {
    const quiet = [call("a"), result("a"), user("1"), said("2"), user("3"), said("4")];
    expect(planStructureCompaction({ version: 1, entries: quiet }, sreq())).toBeUndefined();
    const w = [call("a", "f", long), result("a"), user("1"), said("2"), user("3"), said("4")];
    const out = planStructureCompaction({ version: 1, entries: w }, sreq())!;
    expect(out.reference).toBeUndefined();
    const after = checkInvariants(w, out.plan);
    expect(after.length).toBe(w.length);
    expect(out.plan.archived).toEqual([w[0]]);
  });
});
