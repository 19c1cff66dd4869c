/**
 * The memory bank stores' shared contract (src/store/bank/bank-store.ts), run against the memory
 * bank and the Redis bank (bank-store.test.ts).
 */
import { describe, expect, it } from "vitest";
import { DomainError } from "../../src/domain/errors.js";
import { dayKey } from "../../src/bank/periods.js";
import type { PlannedGroup } from "../../src/bank/ladder.js";
import type { PlanRef } from "../../src/bank/plan-token.js";
import type { BankStore, SummaryPut } from "../../src/store/bank/bank-store.js";
import { defaultOptions, FOLD_WINDOW_MS } from "../../src/store/bank/bank-store.js";

export type BankFactory = () => Promise<{ bank: BankStore; close: () => Promise<void> }>;

const DAY = 86_400_000;
const NOW = Date.parse("2026-11-22T12:00:00Z");

export function put(roomId: string, coversVersion: number, tokenCount = 10, ageDays = 0): SummaryPut {
  const at = NOW - ageDays * DAY;
  return { roomId, summary: `summary of ${roomId} at ${coversVersion}`, tokenCount, coversVersion, periodKey: dayKey(at),
    lastSourceAt: at, sourceMessageCount: 4 };
}

export function refOf(ns: string, g: PlannedGroup): PlanRef {
  return { namespace: ns, from: g.from, to: g.to, periodKey: g.periodKey,
    sources: g.sources.map((s) => ({ id: s.id, revision: s.revision })), foldedRevision: g.folded?.revision ?? 0 };
}

async function reason(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof DomainError) return err.code;
    throw err;
  }
  return "resolved";
}

export function bankConformance(name: string, factory: BankFactory): void {
  describe(`bank store conformance: ${name}`, () => {
    const withBank = (fn: (bank: BankStore) => Promise<void>) => async () => {
      const { bank, close } = await factory();
      try {
        await fn(bank);
      } finally {
        await close();
      }
    };
    const enable = (bank: BankStore, ns: string, maxTokens = 2000) =>
      bank.setOptions({ ...defaultOptions(ns), memoryBankEnabled: true, maxTokens });

    it("options default, then store as given", withBank(async (bank) => {
      expect(await bank.getOptions("ns")).toEqual(defaultOptions("ns"));
      await enable(bank, "ns", 500);
      expect(await bank.getOptions("ns")).toMatchObject({ memoryBankEnabled: true, maxTokens: 500, idleMinutes: 10 });
      expect(await bank.listNamespaces()).toEqual(["ns"]);
    }));

    it("refuses a summary while disabled, and an outdated one", withBank(async (bank) => {
      expect(await reason(bank.putConversationSummary("ns", put("r1", 5), NOW))).toBe("FAILED_PRECONDITION");
      await enable(bank, "ns");
      const first = await bank.putConversationSummary("ns", put("r1", 5), NOW);
      expect(first).toMatchObject({ created: true, entry: { id: "conversation:r1", revision: 1, coversVersion: 5, createdAt: NOW } });
      const again = await bank.putConversationSummary("ns", put("r1", 5), NOW + 1);
      expect(again).toMatchObject({ created: false, entry: { revision: 2, createdAt: NOW, updatedAt: NOW + 1 } });
      const err = await bank.putConversationSummary("ns", put("r1", 4), NOW).catch((e: DomainError) => e);
      expect(err).toMatchObject({ code: "SUMMARY_OUTDATED", metadata: { covers_version: "5" } });
      const big = 2 ** 53 - 1;
      expect((await bank.putConversationSummary("ns", put("r1", big), NOW)).entry.coversVersion).toBe(big);
    }));

    it("keeps the activity index: due rooms, oldest first, cleared when covered", withBank(async (bank) => {
      await enable(bank, "ns");
      await bank.noteTurn("a", "ns", 3, NOW - 5000);
      await bank.noteTurn("b", "ns", 7, NOW - 9000);
      await bank.noteTurn("a", "ns", 2, NOW - 8000); // late and older: nothing moves back
      await bank.noteTurn("c", "ns", 1, NOW);
      expect(await bank.roomsNeedingSummary("ns", NOW - 1000, 10)).toEqual({ more: false, rooms: [
        { roomId: "b", version: 7, lastActivityMs: NOW - 9000, summarizedVersion: 0 },
        { roomId: "a", version: 3, lastActivityMs: NOW - 5000, summarizedVersion: 0 },
      ] });
      expect(await bank.roomsNeedingSummary("ns", NOW, 2)).toMatchObject({ more: true });
      await bank.putConversationSummary("ns", put("a", 2), NOW); // older than the pending turn: a stays
      await bank.putConversationSummary("ns", put("b", 7), NOW);
      const left = await bank.roomsNeedingSummary("ns", NOW, 10);
      expect(left.rooms.map((r) => [r.roomId, r.summarizedVersion])).toEqual([["a", 2], ["c", 0]]);
      await bank.noteTurn("b", "ns", 6, NOW); // already covered
      await bank.forgetRooms("ns", [{ roomId: "c", version: 1 }, { roomId: "a", version: 99 }]);
      expect((await bank.roomsNeedingSummary("ns", NOW, 10)).rooms.map((r) => r.roomId)).toEqual(["a"]);
    }));

    it("plans a roll-up over 1.25 × budget and commits it", withBank(async (bank) => {
      await enable(bank, "ns", 100);
      await bank.putConversationSummary("ns", put("old1", 3, 60, 2), NOW);
      await bank.putConversationSummary("ns", put("old2", 3, 60, 2), NOW);
      await bank.putConversationSummary("ns", put("new", 3, 10, 0), NOW);
      const plan = await bank.plan("ns", NOW);
      expect(plan).toMatchObject({ totalTokens: 130, maxTokens: 100, dropped: 0 });
      expect(plan.groups).toHaveLength(1);
      const out = await bank.commitRollup(refOf("ns", plan.groups[0]), { summary: "digest", tokenCount: 20 }, NOW);
      expect(out).toMatchObject({ sourcesReplaced: 2, totalTokens: 30, digest: {
        id: `day:${dayKey(NOW - 2 * DAY)}`, granularity: "day", sourceMessageCount: 8, lastSourceAt: NOW - 2 * DAY, revision: 1, coversVersion: 0,
      } });
      const ids = (await bank.readBank("ns")).entries.map((e) => e.id).sort();
      expect(ids).toEqual(["conversation:new", `day:${dayKey(NOW - 2 * DAY)}`]);
      expect((await bank.plan("ns", NOW)).groups).toEqual([]);
    }));

    it("refuses a late summary of turns a roll-up folded, within the fold window", withBank(async (bank) => {
      await enable(bank, "ns", 100);
      await bank.putConversationSummary("ns", put("old1", 3, 60, 2), NOW);
      await bank.putConversationSummary("ns", put("old2", 3, 60, 2), NOW);
      await bank.putConversationSummary("ns", put("new", 3, 10, 0), NOW);
      const plan = await bank.plan("ns", NOW);
      await bank.commitRollup(refOf("ns", plan.groups[0]), { summary: "digest", tokenCount: 20 }, NOW);
      // Another worker read old1 at version 3 before the roll-up: its summary must not come back.
      const late = await bank.putConversationSummary("ns", put("old1", 3, 60, 2), NOW + 1).catch((e: DomainError) => e);
      expect(late).toMatchObject({ code: "SUMMARY_OUTDATED", metadata: { covers_version: "3" } });
      expect(await reason(bank.putConversationSummary("ns", put("old1", 2, 60, 2), NOW + 1))).toBe("SUMMARY_OUTDATED");
      // New turns since (a newer version) are summarised; after the window, even version 3 again.
      expect((await bank.putConversationSummary("ns", put("old1", 4), NOW + 2)).created).toBe(true);
      expect((await bank.putConversationSummary("ns", put("old2", 3), NOW + FOLD_WINDOW_MS)).created).toBe(true);
      const counted = (await bank.readBank("ns")).entries.reduce((n, e) => n + e.sourceMessageCount, 0);
      expect(counted).toBe(20);
    }));

    it("folds into the existing digest of the period", withBank(async (bank) => {
      await enable(bank, "ns", 10);
      await bank.putConversationSummary("ns", put("a", 1, 30, 2), NOW);
      const g1 = (await bank.plan("ns", NOW)).groups[0];
      await bank.commitRollup(refOf("ns", g1), { summary: "d1", tokenCount: 20 }, NOW);
      await bank.putConversationSummary("ns", put("b", 1, 30, 2), NOW);
      const g2 = (await bank.plan("ns", NOW)).groups[0];
      expect(g2.folded).toMatchObject({ revision: 1, summary: "d1" });
      const out = await bank.commitRollup(refOf("ns", g2), { summary: "d2", tokenCount: 5 }, NOW + 1);
      expect(out.digest).toMatchObject({ revision: 2, sourceMessageCount: 8, createdAt: NOW, updatedAt: NOW + 1, summary: "d2" });
      expect(out.totalTokens).toBe(5);
    }));

    it("lets one of two commits of a plan win, and refuses a plan whose source changed", withBank(async (bank) => {
      await enable(bank, "ns", 10);
      await bank.putConversationSummary("ns", put("a", 1, 30, 2), NOW);
      const g = (await bank.plan("ns", NOW)).groups[0];
      const results = await Promise.all([1, 2].map((i) => reason(bank.commitRollup(refOf("ns", g), { summary: `d${i}`, tokenCount: 5 }, NOW))));
      expect(results.sort()).toEqual(["ROLLUP_CONFLICT", "resolved"]);
      await bank.putConversationSummary("ns", put("b", 1, 30, 2), NOW);
      const g2 = (await bank.plan("ns", NOW)).groups[0];
      await bank.putConversationSummary("ns", put("b", 2, 30, 2), NOW); // changed between plan and commit
      expect(await reason(bank.commitRollup(refOf("ns", g2), { summary: "x", tokenCount: 1 }, NOW))).toBe("ROLLUP_CONFLICT");
      const entries = (await bank.readBank("ns")).entries;
      expect(entries.find((e) => e.id === "conversation:b")).toMatchObject({ coversVersion: 2 });
      expect(entries).toHaveLength(2);
      await bank.setOptions({ ...defaultOptions("ns"), maxTokens: 10 });
      const g3 = refOf("ns", g2);
      expect(await reason(bank.commitRollup(g3, { summary: "x", tokenCount: 1 }, NOW))).toBe("FAILED_PRECONDITION");
    }));

    it("drops the oldest entries when nothing can roll up, and counts them", withBank(async (bank) => {
      await enable(bank, "ns", 50);
      for (const [i, room] of ["a", "b", "c"].entries()) {
        await bank.putConversationSummary("ns", { ...put(room, 1, 30), lastSourceAt: NOW - 3000 + i }, NOW);
      }
      const plan = await bank.plan("ns", NOW);
      expect(plan).toMatchObject({ groups: [], dropped: 2, totalTokens: 30 });
      const after = await bank.readBank("ns");
      expect(after.entries.map((e) => e.id)).toEqual(["conversation:c"]);
      expect(after.droppedEntries).toBe(2);
    }));

    it("exports and imports a namespace", withBank(async (bank) => {
      await enable(bank, "ns", 300);
      await bank.putConversationSummary("ns", put("a", 2 ** 40, 30, 2), NOW);
      await bank.noteTurn("z", "other", 1, NOW); // activity alone lists no namespace
      const data = (await bank.exportNamespace("ns"))!;
      expect(await bank.exportNamespace("other")).toBeUndefined();
      expect(await bank.listNamespaces()).toEqual(["ns"]);
      await bank.importNamespace({ ...data, options: { ...data.options, namespace: "copy" }, droppedEntries: 4 });
      const copy = (await bank.exportNamespace("copy"))!;
      expect(copy.entries).toEqual(data.entries);
      expect(copy).toMatchObject({ droppedEntries: 4, options: { maxTokens: 300, memoryBankEnabled: true } });
      expect(await bank.listNamespaces()).toEqual(["copy", "ns"]);
      await bank.importNamespace({ options: defaultOptions("ns"), entries: [], droppedEntries: 0 });
      expect(await bank.exportNamespace("ns")).toEqual({ options: defaultOptions("ns"), entries: [], droppedEntries: 0 });
    }));
  });
}
