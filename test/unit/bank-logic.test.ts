import { describe, expect, it } from "vitest";
import { dayKey, monthKey, weekKey } from "../../src/bank/periods.js";
import { planLadder } from "../../src/bank/ladder.js";
import { decodePlan, encodePlan } from "../../src/bank/plan-token.js";
import { BANK_HEADER, renderBlock } from "../../src/bank/block.js";
import { countTokens } from "../../src/prompt/tokens.js";
import type { BankEntryData, Granularity } from "../../src/store/bank/bank-types.js";

const DAY = 86_400_000;
const NOW = Date.parse("2026-11-22T12:00:00Z");

function entry(granularity: Granularity, key: string, ageDays: number, tokenCount: number, summary = "x"): BankEntryData {
  const at = NOW - ageDays * DAY;
  return {
    id: `${granularity}:${key}`, granularity, periodKey: granularity === "conversation" ? dayKey(at) : key,
    roomId: granularity === "conversation" ? key : "", summary, tokenCount, sourceMessageCount: 2,
    lastSourceAt: at, createdAt: at, updatedAt: at, coversVersion: granularity === "conversation" ? 5 : 0, revision: 1,
  };
}

describe("period keys (UTC; ISO weeks as Python's isocalendar)", () => {
  it.each([
    ["2026-01-01", "2026-W01"], ["2020-12-31", "2020-W53"], ["2021-01-03", "2020-W53"], ["2021-01-04", "2021-W01"],
    ["2024-12-30", "2025-W01"], ["2026-11-22", "2026-W47"], ["2027-01-01", "2026-W53"], ["2016-01-03", "2015-W53"],
  ])("%s is in %s", (day, week) => {
    expect(weekKey(Date.parse(`${day}T23:59:59.999Z`))).toBe(week);
    expect(weekKey(Date.parse(`${day}T00:00:00Z`))).toBe(week);
  });
  it("day and month are UTC", () => {
    const t = Date.parse("2026-11-30T23:30:00-02:00"); // 2026-12-01T01:30Z
    expect(dayKey(t)).toBe("2026-12-01");
    expect(monthKey(t)).toBe("2026-12");
  });
});

describe("planLadder", () => {
  it("does nothing within max_tokens × 1.25, and starts above it", () => {
    const old = [entry("conversation", "a", 2, 600), entry("conversation", "b", 2, 600)];
    expect(planLadder(old, 1000, false, NOW).groups).toEqual([]);
    expect(planLadder([...old, entry("conversation", "c", 2, 100)], 1000, false, NOW).groups).toHaveLength(1);
  });
  it("keeps compressing until the bank fits max_tokens", () => {
    const bank = [entry("conversation", "a", 2, 600), entry("conversation", "b", 3, 500)];
    const p = planLadder(bank, 1000, true, NOW);
    expect(p.compressing).toBe(true);
    expect(p.groups.map((g) => g.periodKey)).toEqual([dayKey(NOW - 3 * DAY), dayKey(NOW - 2 * DAY)]);
    expect(planLadder(bank.slice(0, 1), 1000, true, NOW)).toMatchObject({ compressing: false, groups: [] });
  });
  it("returns the first step with groups only, folding into the existing digest", () => {
    const day = dayKey(NOW - 2 * DAY);
    const bank = [
      entry("conversation", "fresh", 0.5, 900), entry("conversation", "a", 2, 100), entry("conversation", "b", 2.2, 100),
      entry("day", day, 2.5, 100), entry("day", dayKey(NOW - 9 * DAY), 9, 500),
    ];
    const p = planLadder(bank, 1000, false, NOW);
    expect(p.groups).toHaveLength(1);
    const [g] = p.groups;
    expect(g).toMatchObject({ from: "conversation", to: "day", periodKey: day });
    expect(g.sources.map((s) => s.id)).toEqual(["conversation:b", "conversation:a"]);
    expect(g.folded?.id).toBe(`day:${day}`);
  });
  it("moves to day→week and week→month by age", () => {
    const week = [entry("day", "2026-11-10", 12, 800), entry("day", "2026-11-11", 11, 800), entry("day", "2026-11-20", 2, 10)];
    const p = planLadder(week, 1000, false, NOW);
    expect(p.groups.map((g) => [g.to, g.periodKey, g.sources.length])).toEqual([["week", "2026-W46", 2]]);
    const month = [entry("week", "2026-W40", 40, 1300), entry("week", "2026-W46", 10, 10)];
    expect(planLadder(month, 1000, false, NOW).groups.map((g) => [g.to, g.periodKey])).toEqual([["month", "2026-10"]]);
  });
  it("drops the oldest entries when nothing can roll up", () => {
    const bank = [entry("conversation", "a", 0.1, 700), entry("month", "2026-01", 300, 400), entry("month", "2026-02", 270, 400)];
    const p = planLadder(bank, 1000, false, NOW);
    expect(p.groups).toEqual([]);
    expect(p.drop.map((e) => e.id)).toEqual(["month:2026-01", "month:2026-02"]);
    expect(p.compressing).toBe(false);
  });
});

describe("plan tokens", () => {
  it("round-trip and refuse anything else", () => {
    const ref = { namespace: "ns-1", from: "conversation" as const, to: "day" as const, periodKey: "2026-11-20",
      sources: [{ id: "conversation:r:1", revision: 3 }], foldedRevision: 0 };
    expect(decodePlan(encodePlan(ref))).toEqual(ref);
    expect(() => decodePlan("nope")).toThrow(/plan/);
    expect(() => decodePlan(encodePlan({ ...ref, sources: [{ id: "day:2026-11-20", revision: 1 }] }))).toThrow(/plan/);
    expect(() => decodePlan(encodePlan({ ...ref, sources: [] }))).toThrow(/plan/);
  });
});

describe("renderBlock", () => {
  const bank = [
    entry("conversation", "room-aaaaaaaaaa", 0.1, 0, "newest talk"), entry("conversation", "room-b", 0.5, 0, "older talk"),
    entry("day", "2026-11-19", 3, 0, "a day"), entry("week", "2026-W45", 14, 0, "a week"), entry("month", "2026-09", 70, 0, "a month"),
  ];
  it("renders restai's layout, newest first", () => {
    const b = renderBlock(bank, 2000);
    expect(b.text).toBe([
      BANK_HEADER, "## Recent conversations", `- (${dayKey(NOW - 0.1 * DAY)}) newest talk`, `- (${dayKey(NOW - 0.5 * DAY)}) older talk`,
      "## By day", "- (2026-11-19) a day", "## By week", "- (2026-W45) a week", "## By month", "- (2026-09) a month",
    ].join("\n"));
    expect(b).toMatchObject({ tokens: countTokens(b.text), rendered: 5, omitted: 0 });
  });
  it("cuts at the budget", () => {
    const full = renderBlock(bank, 2000);
    for (let budget = 0; budget <= full.tokens; budget++) {
      const b = renderBlock(bank, budget);
      expect(b.tokens).toBeLessThanOrEqual(budget);
      expect(b.rendered + b.omitted).toBe(5);
      if (b.rendered) expect(b.text.startsWith(BANK_HEADER)).toBe(true);
    }
    expect(renderBlock(bank, countTokens(BANK_HEADER))).toMatchObject({ text: "", rendered: 0, omitted: 5 });
    expect(renderBlock([], 100)).toEqual({ text: "", tokens: 0, rendered: 0, omitted: 0 });
  });
});
