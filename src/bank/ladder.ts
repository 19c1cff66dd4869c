/**
 * The roll-up planner (restai's compress_entries, as a pure function so that both stores and any
 * number of workers plan alike). A bank over max_tokens × 1.25 starts compressing, and stays so until
 * it fits max_tokens: each plan returns the groups of the FIRST ladder step that has any
 * (conversation→day for entries whose newest turn is over 1 day old, day→week over 7 days, week→month
 * over 30 days); with nothing left to roll up, the oldest entries are dropped until the bank fits.
 */
import type { BankEntryData, Granularity } from "../store/bank/bank-types.js";
import { periodKey } from "./periods.js";

/** restai's COMPRESSION_HEADROOM: a small overshoot is not worth a model call. */
export const COMPRESSION_HEADROOM = 1.25;

const DAY_MS = 86_400_000;

type DigestGranularity = Exclude<Granularity, "conversation">;

interface LadderStep {
  from: Exclude<Granularity, "month">;
  to: DigestGranularity;
  minAgeMs: number;
}

export const LADDER: readonly LadderStep[] = [
  { from: "conversation", to: "day", minAgeMs: DAY_MS },
  { from: "day", to: "week", minAgeMs: 7 * DAY_MS },
  { from: "week", to: "month", minAgeMs: 30 * DAY_MS },
];

/** One merge: `sources` (oldest first) become the digest `<to>:<periodKey>`; `folded` is that digest when it exists. */
export interface PlannedGroup {
  from: Exclude<Granularity, "month">;
  to: DigestGranularity;
  periodKey: string;
  sources: BankEntryData[];
  folded?: BankEntryData;
}

export interface LadderPlan {
  groups: PlannedGroup[];
  /** Whether the bank is (still) compressing after this plan, the state the store keeps. */
  compressing: boolean;
  /** The oldest entries to drop (when no step has groups and the bank is over budget). */
  drop: BankEntryData[];
  totalTokens: number;
}

export function totalTokens(entries: readonly BankEntryData[]): number {
  return entries.reduce((n, e) => n + e.tokenCount, 0);
}

/** The plan for a bank at `nowMs`, given whether a roll-up run is under way (`compressing`). */
export function planLadder(
  entries: readonly BankEntryData[], maxTokens: number, compressing: boolean, nowMs: number,
): LadderPlan {
  const total = totalTokens(entries);
  const over = compressing ? total > maxTokens : total > maxTokens * COMPRESSION_HEADROOM;
  if (!over) return { groups: [], compressing: false, drop: [], totalTokens: total };
  for (const step of LADDER) {
    const groups = stepGroups(entries, step, nowMs);
    if (groups.length) return { groups, compressing: true, drop: [], totalTokens: total };
  }
  return { groups: [], compressing: false, drop: oldestOver(entries, total, maxTokens), totalTokens: total };
}

function stepGroups(entries: readonly BankEntryData[], step: LadderStep, nowMs: number): PlannedGroup[] {
  const cutoff = nowMs - step.minAgeMs;
  const byPeriod = new Map<string, BankEntryData[]>();
  for (const e of entries) {
    if (e.granularity !== step.from || e.lastSourceAt >= cutoff) continue;
    const key = periodKey(step.to, e.lastSourceAt);
    byPeriod.set(key, [...(byPeriod.get(key) ?? []), e]);
  }
  const digests = new Map(entries.filter((e) => e.granularity === step.to).map((e) => [e.id, e]));
  return [...byPeriod.keys()].sort().map((key) => {
    const folded = digests.get(`${step.to}:${key}`);
    const sources = byPeriod.get(key)!.sort(oldestFirst);
    return { from: step.from, to: step.to, periodKey: key, sources, ...(folded && { folded }) };
  });
}

/** The oldest entries (restai: last_source_at, then created_at) whose removal brings the bank within budget. */
function oldestOver(entries: readonly BankEntryData[], total: number, maxTokens: number): BankEntryData[] {
  const drop: BankEntryData[] = [];
  let left = total;
  for (const e of [...entries].sort(oldestFirst)) {
    if (left <= maxTokens) break;
    drop.push(e);
    left -= e.tokenCount;
  }
  return drop;
}

export function oldestFirst(a: BankEntryData, b: BankEntryData): number {
  return a.lastSourceAt - b.lastSourceAt || a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

const GRANULARITY_ORDER: Record<Granularity, number> = { conversation: 0, day: 1, week: 2, month: 3 };

/** GetMemoryBank's order: by granularity (conversation first), newest last_source_at first. */
export function bankOrder(a: BankEntryData, b: BankEntryData): number {
  return GRANULARITY_ORDER[a.granularity] - GRANULARITY_ORDER[b.granularity]
    || b.lastSourceAt - a.lastSourceAt || b.updatedAt - a.updatedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
