/**
 * Conformance of the rewrite engine and the archive (issue 11) for every HistoryStore: rewriteHead
 * applies a plan as one mutation (one version, one PRUNE or COMPACT change) only to the snapshot it
 * was planned from (version and length), moves the originals to the archive exactly as GetHistory
 * returned them, and readArchive pages them by seq; the archive keeps at most archiveMaxBytes (oldest
 * first) and goes with the room. Run by redis.test.ts (both key layouts) and memory.test.ts.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Entry } from "../../src/domain/entry.js";
import { DomainError } from "../../src/domain/errors.js";
import { planPrune } from "../../src/agent/prune.js";
import type { RewritePlan } from "../../src/store/agent-types.js";
import type { HistoryStore, StoreChange, StoreOptions } from "../../src/store/store.js";
import type { StoreFactory, StoreFixture } from "./suite.js";

const OPTIONS: StoreOptions = { defaultLimit: 100, ttlSeconds: 0, maxEventBytes: 64 * 1024 };
const RULE = { protectTokens: 1, minPruneTokens: 1 };

let n = 0;
/** A tool result of `chars` characters with a tk of its own. */
const result = (chars: number, extra: Partial<Entry> = {}): Entry =>
  ({ role: "tool", content: `r${++n}:`.padEnd(chars, "x"), tool_call_id: `c${n}`, id: `id-${n}`, tk: chars, ...extra });
const user = (text: string): Entry => ({ role: "user", content: text, id: `id-${++n}`, tk: 1 });

async function recorder(store: HistoryStore, room: string) {
  const changes: StoreChange[] = [];
  store.feed.setListener({ change: (c) => changes.push(c), resubscribed: () => undefined });
  await store.feed.subscribe(room);
  return changes;
}

async function changeAt(changes: StoreChange[], version: number): Promise<StoreChange> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const c = changes.find((x) => x.version === version);
    if (c) return c;
    if (Date.now() > deadline) throw new Error(`no change of version ${version}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

async function conflictOf(p: Promise<unknown>): Promise<DomainError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(DomainError);
  expect((err as DomainError).code).toBe("VERSION_CONFLICT");
  return err as DomainError;
}

async function prunePlan(store: HistoryStore, room: string): Promise<RewritePlan> {
  const outcome = planPrune(await store.read(room), RULE);
  if (!outcome) throw new Error("nothing to prune");
  return outcome.plan;
}

export function pruneArchiveConformance(name: string, factory: StoreFactory): void {
  describe(`${name} store rewrite and archive conformance`, () => {
    const fixtures: StoreFixture[] = [];
    const open = async (options: Partial<StoreOptions> = {}) => {
      const fx = await factory({ ...OPTIONS, ...options });
      fixtures.push(fx);
      return fx.store;
    };
    afterEach(async () => {
      await Promise.all(fixtures.splice(0).map((fx) => fx.close()));
    });

    it("prunes as one mutation: one version, one PRUNE change with the placeholders, originals in the archive as GetHistory had them", async () => {
      const store = await open();
      await store.append("p", [user("go"), result(300, { metadata: { k: "v" }, run_id: "r1" }), result(200), user("next")]);
      const before = (await store.read("p")).entries;
      const changes = await recorder(store, "p");
      const plan = await prunePlan(store, "p");
      // A budget of 1 token protects the newest prunable result; the one before it goes.
      expect(plan.changed.map((e) => e.seq)).toEqual([2]);
      expect(await store.rewriteHead("p", plan)).toEqual({ version: 2 });
      const c = await changeAt(changes, 2);
      expect(c).toMatchObject({ kind: "prune", previousVersion: 1, trimmed: 0 });
      expect(c.replacedThroughSeq ?? 0).toBe(0);
      expect(c.entries).toEqual(plan.changed);
      const after = (await store.read("p")).entries;
      expect(after.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
      expect(after[1]).toMatchObject({ role: "tool", tool_call_id: before[1].tool_call_id, pr: 1, run_id: "r1" });
      expect(after[1].content).toBe("[Pruned tool result: 300 characters cleared from context. GetArchive(from_seq=2, to_seq=2) returns the original.]");
      expect([after[0], after[2], after[3]]).toEqual([before[0], before[2], before[3]]);
      const archive = await store.readArchive("p", { fromSeq: 2, toSeq: 2, limit: 100 });
      expect(archive).toEqual({ entries: [before[1]], nextAfterSeq: undefined });
      expect(JSON.stringify(archive.entries[0])).toBe(JSON.stringify(before[1]));
    });

    it("refuses a plan when the room moved since its snapshot: its version, or its length, or the caller's expected_version", async () => {
      const store = await open();
      await store.append("m", [user("a"), result(150), result(150)]);
      const plan = await prunePlan(store, "m");
      // Same version, another length (what a legacy writer's RPUSH leaves): refused.
      const e1 = await conflictOf(store.rewriteHead("m", { ...plan, baseLength: plan.baseLength + 1 }));
      expect(e1.metadata.current_version).toBe("1");
      await conflictOf(store.rewriteHead("m", plan, { expectedVersion: 7 }));
      // A mutation beyond a pure tail append (a pure append alone would let the plan apply).
      await store.setLimit("m", 50);
      const e2 = await conflictOf(store.rewriteHead("m", plan));
      expect(e2.metadata.current_version).toBe("2");
      expect((await store.read("m")).version).toBe(2);
      expect((await store.readArchive("m", { fromSeq: 0, toSeq: 0, limit: 10 })).entries).toEqual([]);
      // Re-planned from a fresh snapshot, at the caller's expected version, it applies.
      expect(await store.rewriteHead("m", await prunePlan(store, "m"), { expectedVersion: 2 })).toEqual({ version: 3 });
    });

    it("carries replaced_through_seq on a COMPACT change and archives what the head dropped", async () => {
      const store = await open();
      await store.append("c", [user("one"), user("two"), user("three")]);
      const snap = await store.read("c");
      const summary: Entry = { role: "user", content: "sum", kind: "summary", id: "s", seq: 1, tk: 1 };
      const changes = await recorder(store, "c");
      const plan: RewritePlan = {
        kind: "compact", baseVersion: snap.version, baseLength: 3, replaceCount: 2, head: [summary],
        archived: snap.entries.slice(0, 2), changed: [summary], replacedThroughSeq: 2,
      };
      await store.rewriteHead("c", plan);
      expect(await changeAt(changes, 2)).toMatchObject({ kind: "compact", replacedThroughSeq: 2, entries: [summary] });
      expect((await store.read("c")).entries).toEqual([summary, snap.entries[2]]);
      expect((await store.readArchive("c", { fromSeq: 0, toSeq: 0, limit: 10 })).entries).toEqual(snap.entries.slice(0, 2));
    });

    it("pages the archive by seq, oldest first, between from_seq and to_seq", async () => {
      const store = await open();
      await store.append("g", [result(120), result(120), result(120), result(120), result(120)]);
      await store.rewriteHead("g", await prunePlan(store, "g"));
      const seqs = async (q: { fromSeq: number; toSeq: number; afterSeq?: number; limit: number }) => {
        const page = await store.readArchive("g", q);
        return [page.entries.map((e) => e.seq), page.nextAfterSeq];
      };
      expect(await seqs({ fromSeq: 0, toSeq: 0, limit: 10 })).toEqual([[1, 2, 3, 4], undefined]);
      expect(await seqs({ fromSeq: 0, toSeq: 0, limit: 3 })).toEqual([[1, 2, 3], 3]);
      expect(await seqs({ fromSeq: 0, toSeq: 0, afterSeq: 3, limit: 3 })).toEqual([[4], undefined]);
      expect(await seqs({ fromSeq: 2, toSeq: 3, limit: 1 })).toEqual([[2], 2]);
      expect(await seqs({ fromSeq: 2, toSeq: 3, afterSeq: 2, limit: 1 })).toEqual([[3], undefined]);
      expect((await store.readArchive("nothing-here", { fromSeq: 0, toSeq: 0, limit: 5 })).entries).toEqual([]);
    });

    it("keeps at most archiveMaxBytes, evicting the oldest seqs first", async () => {
      const store = await open({ archiveMaxBytes: 900 });
      await store.append("e", [result(300), result(300), result(300), result(300)]);
      await store.rewriteHead("e", await prunePlan(store, "e"));
      const left = (await store.readArchive("e", { fromSeq: 0, toSeq: 0, limit: 10 })).entries;
      // Each original is 370 to 420 bytes stored (with a legacy marker): two fit in 900, the oldest (seq 1) went.
      expect(left.map((e) => e.seq)).toEqual([2, 3]);
    });

    it("removes the archive with the room (DeleteRoom); a room written again under the id starts without one", async () => {
      const store = await open();
      await store.append("d", [result(150), result(150)]);
      await store.rewriteHead("d", await prunePlan(store, "d"));
      expect((await store.readArchive("d", { fromSeq: 0, toSeq: 0, limit: 10 })).entries).toHaveLength(1);
      await store.deleteRoom("d");
      expect((await store.readArchive("d", { fromSeq: 0, toSeq: 0, limit: 10 })).entries).toEqual([]);
      await store.append("d", [user("again")]);
      expect((await store.readArchive("d", { fromSeq: 0, toSeq: 0, limit: 10 })).entries).toEqual([]);
    });
  });
}
