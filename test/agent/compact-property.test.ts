/**
 * The planners' invariants over random windows (fast-check): user, assistant, tool-call and tool-result
 * turns, protected flags, phases, earlier summaries, legacy messages without a seq; random split rules. After every plan: a mirror
 * applying the change ends equal to the window; seqs stay unique and increasing; no tool result is left
 * without its call; protected entries are all still there, unchanged; every original is either still
 * in the window unchanged or archived, and the archive holds nothing else.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { planCompaction } from "../../src/agent/compact.js";
import { planStructureCompaction } from "../../src/agent/structure.js";
import { isProtectedEntry, type Entry } from "../../src/domain/entry.js";
import type { RewritePlan } from "../../src/store/agent-types.js";
import { applyCompactChange, seqsIncreasing } from "./mirror.js";

type Step = { kind: "user" | "say" | "calls" | "summary" | "legacy"; n: number; flag: number; phase: number; error: boolean };

const step = fc.record({
  kind: fc.constantFrom<Step["kind"]>("user", "say", "calls", "calls", "summary", "legacy"),
  n: fc.integer({ min: 1, max: 3 }),
  flag: fc.integer({ min: 0, max: 9 }),
  phase: fc.integer({ min: 0, max: 3 }),
  error: fc.boolean(),
});

/** A window built from steps: a "calls" step is an assistant turn with n calls and its n results. */
function windowOf(steps: Step[]): Entry[] {
  const out: Entry[] = [];
  let seq = 0;
  const flags = (s: Step): Partial<Entry> => ({ ...(s.flag === 1 ? { tm: 1 } : s.flag === 2 ? { ci: 1 } : s.flag === 3 ? { sc: 1 } : {}),
    ...(s.phase ? { phase_id: `p${s.phase}` } : {}) });
  steps.forEach((s, i) => {
    if (s.kind === "user") out.push({ role: "user", content: `u${i} answer: ${i}`, seq: ++seq, tk: 5, ...flags(s) });
    else if (s.kind === "say") out.push({ role: "assistant", content: `{"answer": ${i}}`, seq: ++seq, tk: 5, ...flags(s) });
    else if (s.kind === "legacy") out.push({ role: s.flag % 2 ? "user" : "assistant", content: `legacy ${i}` });
    else if (s.kind === "summary") out.push({ role: "user", content: `summary ${i}`, kind: "summary", seq: ++seq, tk: 5 });
    else {
      const calls = Array.from({ length: s.n }, (_, k) => ({ id: `c${i}-${k}`, type: "function" as const,
        function: { name: k === 0 && s.flag === 4 ? "set_output" : "tool", arguments: JSON.stringify({ q: "x".repeat(s.flag * 40) }) } }));
      out.push({ role: "assistant", content: s.flag > 5 ? "text" : "", tool_calls: calls, seq: ++seq, tk: 5, ...flags(s) });
      calls.forEach((c) => out.push({ role: "tool", content: "r", tool_call_id: c.id, is_error: s.error && s.flag > 6, seq: ++seq, tk: 7,
        ...(s.flag === 5 ? { pr: 1 as const } : {}), ...flags(s) }));
    }
  });
  return out;
}

function check(entries: Entry[], plan: RewritePlan): void {
  const after = [...plan.head, ...entries.slice(plan.replaceCount)];
  expect(applyCompactChange(entries, plan.changed, plan.replacedThroughSeq)).toEqual(after);
  expect(seqsIncreasing(after)).toBe(true);
  const calls = new Set(after.flatMap((e) => (e.tool_calls ?? []).map((c) => c.id)));
  for (const e of after) if (e.role === "tool") expect(calls.has(e.tool_call_id!)).toBe(true);
  for (const e of entries) if (isProtectedEntry(e)) expect(after).toContain(e);
  for (const e of entries) {
    // A pruned result's original is in the archive already (PruneToolResults): it is not archived again.
    expect(after.includes(e) || plan.archived.includes(e) || e.pr === 1).toBe(true);
    if (e.pr === 1) expect(plan.archived).not.toContain(e);
    expect(after.includes(e) && plan.archived.includes(e)).toBe(false);
  }
  for (const a of plan.archived) expect(entries).toContain(a);
  expect(new Set(plan.archived).size).toBe(plan.archived.length);
  for (const e of after) for (const c of e.tool_calls ?? []) if (!entries.includes(e)) expect(c.function.arguments.length).toBeLessThanOrEqual(200);
}

const rule = fc.record({
  keepRecent: fc.option(fc.integer({ min: 0, max: 12 }), { nil: undefined }),
  keepRecentTokens: fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
  phaseGraduated: fc.boolean(),
});

describe("compaction planners (property)", () => {
  it("CompactHistory keeps every invariant", () => {
    fc.assert(fc.property(fc.array(step, { maxLength: 25 }), rule, (steps, r) => {
      const entries = windowOf(steps);
      const out = planCompaction({ version: 1, entries }, { ...r, summary: "S", outputKeys: ["answer"], id: "i", now: "t" });
      if (!out) return;
      check(entries, out.plan);
      expect(out.plan.archived.some((e) => isProtectedEntry(e))).toBe(false);
      const prunedGone = entries.slice(0, out.plan.replaceCount).filter((e) => e.pr === 1 && !out.plan.head.includes(e)).length;
      expect(out.compacted).toBe(out.plan.archived.length + prunedGone);
    }), { numRuns: 400 });
  });

  it("CompactPreservingStructure keeps every invariant, and a second run right after changes nothing", () => {
    fc.assert(fc.property(fc.array(step, { maxLength: 25 }), fc.integer({ min: 0, max: 8 }), fc.boolean(), fc.boolean(),
      (steps, keepRecent, phaseGraduated, aggressive) => {
        const entries = windowOf(steps);
        const req = { keepRecent, phaseGraduated, aggressive, id: "i", now: "t" };
        const out = planStructureCompaction({ version: 1, entries }, req);
        if (!out) return;
        check(entries, out.plan);
        const after = [...out.plan.head, ...entries.slice(out.plan.replaceCount)];
        if (!phaseGraduated) expect(planStructureCompaction({ version: 2, entries: after }, req)).toBeUndefined();
      }), { numRuns: 400 });
  });
});
