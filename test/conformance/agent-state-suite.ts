/**
 * Conformance of a room's agent state (issue 11) for every HistoryStore: SetAgentOptions is one
 * mutation (one version, one AGENT_OPTIONS change, compare-and-set) kept by a clear and dropped with
 * the room; every change of a room with a context budget carries its token total (the sum of the
 * window's tk, kept by every script that changes the window) and needs_compaction, which turns true
 * exactly when tokens × calibration / budget reaches the threshold; with archive_trimmed, turns
 * trimmed off the window go to the archive. Run by redis.test.ts (both key layouts) and memory.test.ts.
 */
import { afterEach, describe, expect, it } from "vitest";
import fc from "fast-check";
import type { Entry } from "../../src/domain/entry.js";
import { DomainError } from "../../src/domain/errors.js";
import { agentState, windowTokens } from "../../src/store/agent-state.js";
import type { AgentOptions } from "../../src/store/agent-types.js";
import type { HistoryStore, StoreChange, StoreOptions } from "../../src/store/store.js";
import type { StoreFactory, StoreFixture } from "./suite.js";

const OPTIONS: StoreOptions = { defaultLimit: 100, ttlSeconds: 0, maxEventBytes: 64 * 1024 };

let n = 0;
const turn = (tk: number, role = "user", extra: Partial<Entry> = {}): Entry =>
  ({ role, content: `m${++n}`, id: `id-${n}`, tk, ...extra });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const budget = (maxContextTokens: number, compactionThreshold = 0.8, extra: Partial<AgentOptions> = {}): AgentOptions =>
  ({ maxContextTokens, compactionThreshold, outputKeys: [], archiveTrimmed: false, ...extra });

async function recorder(store: HistoryStore, room: string) {
  const changes: StoreChange[] = [];
  store.feed.setListener({ change: (c) => changes.push(c), resubscribed: () => undefined });
  await store.feed.subscribe(room);
  return changes;
}

/** The change of `version` (the Redis feed delivers asynchronously). */
async function changeAt(changes: StoreChange[], version: number): Promise<StoreChange> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const c = changes.find((x) => x.version === version);
    if (c) return c;
    if (Date.now() > deadline) throw new Error(`no change of version ${version}`);
    await sleep(2);
  }
}

export function agentStateConformance(name: string, factory: StoreFactory): void {
  describe(`${name} store agent state conformance`, () => {
    const fixtures: StoreFixture[] = [];
    const open = async (options: Partial<StoreOptions> = {}) => {
      const fx = await factory({ ...OPTIONS, ...options });
      fixtures.push(fx);
      return fx.store;
    };
    afterEach(async () => {
      await Promise.all(fixtures.splice(0).map((fx) => fx.close()));
    });

    it("sets agent options as one mutation: one version, one AGENT_OPTIONS change, compare-and-set; kept by a clear, dropped with the room", async () => {
      const store = await open();
      await store.append("a", [turn(10), turn(20)]);
      expect((await store.read("a")).agentOptions).toBeUndefined();
      const changes = await recorder(store, "a");
      const options = budget(100, 0.3, { outputKeys: ["answer", "ключ"], archiveTrimmed: true });
      expect(await store.setAgentOptions("a", options, { expectedVersion: 1 })).toEqual({ version: 2, needsCompaction: true });
      const c = await changeAt(changes, 2);
      expect(c).toMatchObject({ kind: "agent_options", previousVersion: 1, entries: [], trimmed: 0 });
      expect(c.agent).toEqual({ tokenCount: 30, needsCompaction: true });
      expect((await store.read("a")).agentOptions).toEqual(options);

      const conflict = await store.setAgentOptions("a", budget(5), { expectedVersion: 1 }).catch((e: unknown) => e);
      expect(conflict).toBeInstanceOf(DomainError);
      expect((conflict as DomainError).code).toBe("VERSION_CONFLICT");

      await store.clear("a");
      expect((await store.read("a")).agentOptions).toEqual(options);
      expect((await changeAt(changes, 3)).agent).toEqual({ tokenCount: 0, needsCompaction: false });

      // Without a budget the options are kept, but no change carries agent fields.
      const noBudget = budget(0, 1, { outputKeys: ["k"] });
      expect(await store.setAgentOptions("a", noBudget)).toEqual({ version: 4, needsCompaction: false });
      await store.append("a", [turn(7)]);
      expect((await changeAt(changes, 5)).agent).toBeUndefined();
      expect((await store.read("a")).agentOptions).toEqual(noBudget);

      await store.deleteRoom("a");
      expect((await store.read("a")).agentOptions).toBeUndefined();
      await store.append("a", [turn(1)]);
      expect((await store.read("a")).agentOptions).toBeUndefined();
    });

    it("flips needs_compaction on the change that reaches the threshold exactly, with the calibration", async () => {
      const store = await open();
      await store.setAgentOptions("t", budget(1000, 0.5));
      const changes = await recorder(store, "t");
      const steps: [number, boolean][] = [[400, false], [99, false], [1, true], [0, true]];
      let total = 0;
      for (const [tk, expected] of steps) {
        const { version } = await store.append("t", [turn(tk)]);
        total += tk;
        expect((await changeAt(changes, version)).agent).toEqual({ tokenCount: total, needsCompaction: expected });
      }
      // Back under: an edit that takes one token off.
      const first = (await store.read("t")).entries[1];
      const edit = await store.patchMessage("t", first.id!, { op: "update", content: "x", tokens: 98 });
      expect((await changeAt(changes, edit.version)).agent).toEqual({ tokenCount: 499, needsCompaction: false });

      // A calibration of 2 (provider counts twice the estimate) doubles the usage: 250 tokens reach 0.5.
      const cal = await open();
      await cal.append("c", [turn(200)]);
      await cal.reportUsage("c", { inputTokens: 200, estimatedTokens: 100 });
      expect(await cal.setAgentOptions("c", budget(1000, 0.5))).toEqual({ version: 2, needsCompaction: false });
      const calChanges = await recorder(cal, "c");
      const { version } = await cal.append("c", [turn(50)]);
      expect((await changeAt(calChanges, version)).agent).toEqual({ tokenCount: 250, needsCompaction: true });
      const snap = await cal.read("c");
      expect(snap.renderDefaults?.calibration).toBe(2);
      expect(agentState(windowTokens(snap.entries), 2, snap.agentOptions)).toEqual({ usageRatio: 0.5, needsCompaction: true });
    });

    it("keeps the token total equal to the window's tokens through random appends, edits, trims and clears", async () => {
      type Op =
        | { op: "append"; tks: number[]; tool: boolean }
        | { op: "edit"; back: number; tk: number }
        | { op: "limit"; limit: number }
        | { op: "clear" };
      const op: fc.Arbitrary<Op> = fc.oneof(
        { weight: 5, arbitrary: fc.record({ op: fc.constant("append" as const), tks: fc.array(fc.nat(5000), { minLength: 1, maxLength: 4 }), tool: fc.boolean() }) },
        { weight: 2, arbitrary: fc.record({ op: fc.constant("edit" as const), back: fc.nat(6), tk: fc.nat(5000) }) },
        { weight: 1, arbitrary: fc.record({ op: fc.constant("limit" as const), limit: fc.integer({ min: 1, max: 8 }) }) },
        { weight: 1, arbitrary: fc.record({ op: fc.constant("clear" as const) }) },
      );
      let run = 0;
      const store = await open({ defaultLimit: 6 });
      await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops) => {
        const room = `p${++run}`;
        await store.setAgentOptions(room, budget(20_000, 0.6, { archiveTrimmed: run % 2 === 0 }));
        const changes = await recorder(store, room);
        for (const o of ops) {
          let version: number;
          if (o.op === "append") {
            // A tool result (no tk: counted as 0) after an assistant call, so trims drop stray results too.
            const batch = o.tks.map((tk) => turn(tk, "assistant"));
            if (o.tool) batch.push({ role: "tool", content: "result", tool_call_id: "c", id: `tool-${++n}` });
            version = (await store.append(room, batch)).version;
          } else if (o.op === "edit") {
            const entries = (await store.read(room)).entries;
            const target = entries[entries.length - 1 - o.back];
            if (!target?.id) continue;
            version = (await store.patchMessage(room, target.id, { op: "update", content: "edited", tokens: o.tk })).version;
          } else if (o.op === "limit") {
            version = (await store.setLimit(room, o.limit)).version;
          } else {
            version = (await store.clear(room)).version;
          }
          const snap = await store.read(room);
          const tokens = windowTokens(snap.entries);
          const c = await changeAt(changes, version);
          expect(c.agent?.tokenCount).toBe(tokens);
          expect(c.agent?.needsCompaction).toBe(tokens / 20_000 >= 0.6);
        }
      }), { numRuns: 15 });
    });

    it("drops the agent options and the archive when the room expires", async () => {
      const store = await open({ ttlSeconds: 1, defaultLimit: 1 });
      await store.setAgentOptions("x", budget(100, 0.5, { outputKeys: ["k"], archiveTrimmed: true }));
      await store.append("x", [turn(1), turn(2)]);
      expect((await store.read("x")).archiveCount).toBe(1);
      await sleep(1100);
      // The write that finds the room past its retention expires it first, then writes a new room.
      const changes = await recorder(store, "x");
      const { version } = await store.append("x", [turn(3)]);
      expect((await changeAt(changes, version)).agent).toBeUndefined();
      const snap = await store.read("x");
      expect(snap.agentOptions).toBeUndefined();
      expect(snap.archiveCount ?? 0).toBe(0);
    });

    it("archives trimmed turns with archive_trimmed, and only then; the archive goes with the room", async () => {
      const store = await open({ defaultLimit: 3 });
      await store.setAgentOptions("k", budget(0, 0.8, { archiveTrimmed: true }));
      const appended = await store.append("k", [turn(1), turn(2), turn(3), turn(4), turn(5, "assistant")]);
      expect(appended.trimmed).toBe(2);
      const snap = await store.read("k");
      expect(snap.archiveCount).toBe(2);
      const page = await store.readArchive("k", { fromSeq: 0, toSeq: 0, limit: 10 });
      expect(page.entries.map((e) => [e.seq, e.content, e.tk])).toEqual([[1, appended.entries[0].content, 1], [2, appended.entries[1].content, 2]]);

      // A lowered limit trims and archives as well.
      await store.setLimit("k", 1);
      expect((await store.read("k")).archiveCount).toBe(4);

      // Without archive_trimmed a trim drops.
      await store.setAgentOptions("k", budget(0));
      await store.append("k", [turn(6)]);
      expect((await store.read("k")).archiveCount).toBe(4);

      await store.deleteRoom("k");
      expect((await store.read("k")).archiveCount ?? 0).toBe(0);
      expect((await store.readArchive("k", { fromSeq: 0, toSeq: 0, limit: 10 })).entries).toEqual([]);
    });
  });
}
