/** PruneToolResults' planner (src/agent/prune.ts): the seed's rules, at their bounds. */
import { describe, expect, it } from "vitest";
import type { Entry } from "../../src/domain/entry.js";
import { entryTokens } from "../../src/prompt/tokens.js";
import { planPrune, prunedEntry, prunePlaceholder } from "../../src/agent/prune.js";

let seq = 0;
/** A prunable tool result: 120 characters, tk as given. */
const tool = (tk: number | undefined, extra: Partial<Entry> = {}): Entry => {
  const s = ++seq;
  const e: Entry = { role: "tool", content: `result ${s} `.padEnd(120, "."), tool_call_id: `c${s}`, seq: s, ...extra };
  if (tk !== undefined && e.tk === undefined) e.tk = tk;
  return e;
};
const snap = (entries: Entry[], version = 5) => ({ version, entries });
const prunedSeqs = (entries: Entry[], protectTokens: number, minPruneTokens = 0) =>
  planPrune(snap(entries), { protectTokens, minPruneTokens })?.seqs ?? [];

describe("planPrune", () => {
  it("keeps the newest results while the tokens counted before them are under protect_tokens (bound ±1)", () => {
    const rs = [tool(100), tool(100), tool(100)];
    const [a, b] = rs.map((r) => r.seq);
    expect(prunedSeqs(rs, 201)).toEqual([]);
    expect(prunedSeqs(rs, 200)).toEqual([a]);
    expect(prunedSeqs(rs, 199)).toEqual([a]);
    expect(prunedSeqs(rs, 101)).toEqual([a]);
    expect(prunedSeqs(rs, 100)).toEqual([a, b]);
    expect(prunedSeqs(rs, 0)).toEqual(rs.map((r) => r.seq));
  });

  it("does nothing unless at least min_prune_tokens would be freed (bound ±1)", () => {
    const rs = [tool(500), tool(10)];
    const freed = 500 - prunedEntry(rs[0]).tk!;
    expect(planPrune(snap(rs), { protectTokens: 1, minPruneTokens: freed })?.freedTokens).toBe(freed);
    expect(planPrune(snap(rs), { protectTokens: 1, minPruneTokens: freed + 1 })).toBeUndefined();
  });

  it("never prunes errors, skill content, transition markers, client input, results already pruned, seq-less or under 100 characters", () => {
    const never = [
      tool(100, { is_error: true }), tool(100, { sc: 1 }), tool(100, { tm: 1 }), tool(100, { ci: 1 }),
      tool(100, { pr: 1 }), tool(100, { content: "x".repeat(99) }), tool(100, { content: "😀".repeat(99) }),
      { ...tool(100), seq: undefined },
    ];
    const prunable = tool(100);
    expect(prunedSeqs([...never, prunable], 0)).toEqual([prunable.seq]);
    // 100 characters (code points, not UTF-16 units) is enough.
    const emoji = tool(100, { content: "😀".repeat(100) });
    expect(prunedSeqs([emoji], 0)).toEqual([emoji.seq]);
  });

  it("never prunes the current phase (the newest phase_id); older phases are pruned", () => {
    const old = tool(100, { phase_id: "plan" });
    const cur = [tool(100, { phase_id: "act" }), tool(100, { phase_id: "act" })];
    const marker: Entry = { role: "user", content: "->act", phase_id: "act", tm: 1, seq: ++seq };
    expect(prunedSeqs([old, ...cur, marker], 0)).toEqual([old.seq]);
  });

  it("counts a result without tk with the tokenizer", () => {
    const r = tool(undefined, { content: "word ".repeat(40) });
    const outcome = planPrune(snap([r]), { protectTokens: 0, minPruneTokens: 0 })!;
    expect(outcome.freedTokens).toBe(entryTokens(r) - prunedEntry(r).tk!);
  });

  it("plans one rewrite of the head through the newest pruned result: same seqs, placeholders, originals archived", () => {
    const u: Entry = { role: "user", content: "go", seq: ++seq, tk: 1 };
    const r1 = tool(300, { content_text: "t", run_id: "run" });
    const r2 = tool(300);
    const tail: Entry = { role: "assistant", content: "ok", seq: ++seq, tk: 1 };
    const outcome = planPrune(snap([u, r1, r2, tail], 9), { protectTokens: 1, minPruneTokens: 0 })!;
    const { plan } = outcome;
    expect(plan).toMatchObject({ kind: "prune", baseVersion: 9, baseLength: 4, replaceCount: 2, replacedThroughSeq: 0 });
    expect(plan.archived).toEqual([r1]);
    expect(plan.head[0]).toBe(u);
    expect(plan.head[1]).toEqual({
      role: "tool", content: prunePlaceholder(120, r1.seq!), tool_call_id: r1.tool_call_id, seq: r1.seq, run_id: "run",
      pr: 1, tk: entryTokens({ role: "tool", content: prunePlaceholder(120, r1.seq!) }),
    });
    expect(plan.changed).toEqual([plan.head[1]]);
    expect(outcome.seqs).toEqual([r1.seq]);
  });
});
