/**
 * Conformance of compaction (issue 11) for every HistoryStore: a plan from src/agent applied with
 * rewriteHead is one version and one "compact" change, a mirror applying that change by the
 * replaced_through_seq rule ends equal to the store's window, seqs stay unique and increasing, the
 * archive holds exactly the originals the plan moved (byte for byte what was stored), and a plan made
 * from a snapshot the room has since left (an edit, a trim, a clear, another compaction; pure tail
 * appends alone do not count without expected_version) or under another
 * expected_version is VERSION_CONFLICT with nothing changed. Run by redis.test.ts (both key layouts)
 * and memory.test.ts.
 */
import { afterEach, describe, expect, it } from "vitest";
import { planCompaction, type CompactRequest } from "../../src/agent/compact.js";
import { planStructureCompaction } from "../../src/agent/structure.js";
import type { Entry } from "../../src/domain/entry.js";
import { DomainError } from "../../src/domain/errors.js";
import type { HistoryStore, StoreChange, StoreOptions } from "../../src/store/store.js";
import { applyCompactChange, seqsIncreasing } from "../agent/mirror.js";
import type { StoreFactory, StoreFixture } from "./suite.js";

const OPTIONS: StoreOptions = { defaultLimit: 100, ttlSeconds: 0, maxEventBytes: 1024 * 1024 };

let n = 0;
const user = (extra: Partial<Entry> = {}): Entry => ({ role: "user", content: `u${++n} ünï`, id: `id-${n}`, tk: 3, ...extra });
const said = (extra: Partial<Entry> = {}): Entry => ({ role: "assistant", content: `a${++n}`, id: `id-${n}`, tk: 2, ...extra });
const call = (id: string, name: string, args: string): Entry =>
  said({ content: "calling", tool_calls: [{ id, type: "function", function: { name, arguments: args } }] });
const result = (id: string, extra: Partial<Entry> = {}): Entry =>
  ({ role: "tool", content: `result of ${id}`, tool_call_id: id, id: `id-${++n}`, tk: 4, ...extra });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const summaryReq = (over: Partial<CompactRequest> = {}): CompactRequest =>
  ({ summary: "SUMMARY", outputKeys: ["answer"], id: "rh_summary", now: "2026-11-22T06:00:00.000Z", phaseGraduated: false, ...over });

async function rejection(p: Promise<unknown>): Promise<DomainError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(DomainError);
  return err as DomainError;
}

async function recorder(store: HistoryStore, room: string) {
  const changes: StoreChange[] = [];
  store.feed.setListener({ change: (c) => changes.push(c), resubscribed: () => undefined });
  await store.feed.subscribe(room);
  return changes;
}

async function arrived(changes: StoreChange[], count: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while (changes.length < count && Date.now() < deadline) await sleep(2);
}

/** The whole archive of a room, paging through it. */
async function wholeArchive(store: HistoryStore, room: string): Promise<Entry[]> {
  const out: Entry[] = [];
  let afterSeq: number | undefined;
  for (;;) {
    const page = await store.readArchive(room, { fromSeq: 0, toSeq: 0, afterSeq, limit: 3 });
    out.push(...page.entries);
    if (page.nextAfterSeq === undefined) return out;
    afterSeq = page.nextAfterSeq;
  }
}

export function compactionConformance(name: string, factory: StoreFactory): void {
  describe(`${name} store compaction conformance`, () => {
    const fixtures: StoreFixture[] = [];
    const open = async () => {
      const fx = await factory(OPTIONS);
      fixtures.push(fx);
      return fx.store;
    };
    afterEach(async () => {
      await Promise.all(fixtures.splice(0).map((fx) => fx.close()));
    });

    it("a summary compaction: one version, one change a mirror applies to GetHistory's window, the archive holds the originals", async () => {
      const store = await open();
      await store.append("r", [user(), said({ content: '{"answer": "41"}' }), user({ ci: 1 }), call("c1", "web_search", '{"query":"x"}'),
        result("c1"), said({ content: "answer: 42" }), user({ phase_id: "p" }), said()]);
      const before = await store.read("r");
      const changes = await recorder(store, "r");
      const out = planCompaction(before, summaryReq())!;
      expect(await store.rewriteHead("r", out.plan)).toEqual({ version: before.version + 1 });
      const after = await store.read("r");
      await arrived(changes, 1);
      expect(changes.map((c) => [c.kind, c.version, c.previousVersion, c.replacedThroughSeq])).toEqual([
        ["compact", before.version + 1, before.version, before.entries[5].seq]]);
      expect(applyCompactChange(before.entries, changes[0].entries, changes[0].replacedThroughSeq ?? 0)).toEqual(after.entries);
      expect(seqsIncreasing(after.entries)).toBe(true);
      expect(after.entries.map((e) => e.content)).toEqual([out.summary.content, before.entries[2].content, ...before.entries.slice(6).map((e) => e.content)]);
      expect(after.entries[0]).toMatchObject({ kind: "summary", role: "user", seq: before.entries[0].seq, id: "rh_summary" });
      expect(out.summary.content).toContain("PRESERVED VALUES (do not lose these):\n- answer: 42");
      const archived = await wholeArchive(store, "r");
      expect(archived).toEqual([0, 1, 3, 4, 5].map((i) => before.entries[i]));
    });

    it("a structure compaction keeps tool structure, archives the free text and the rewritten call turns' originals", async () => {
      const store = await open();
      const long = JSON.stringify({ query: "q".repeat(400) });
      await store.append("s", [user(), call("c1", "web_search", long), result("c1"), said(), user(), said(), user(), said()]);
      const before = await store.read("s");
      const changes = await recorder(store, "s");
      const out = planStructureCompaction(before, { keepRecent: 2, phaseGraduated: false, aggressive: false, id: "rh_ref", now: "2026-11-22T06:00:00.000Z" })!;
      await store.rewriteHead("s", out.plan);
      const after = await store.read("s");
      await arrived(changes, 1);
      expect(applyCompactChange(before.entries, changes[0].entries, changes[0].replacedThroughSeq ?? 0)).toEqual(after.entries);
      expect(seqsIncreasing(after.entries)).toBe(true);
      expect(after.entries.map((e) => e.role)).toEqual(["user", "assistant", "tool", "user", "assistant"]);
      expect(after.entries[1].tool_calls![0].function.arguments.length).toBeLessThanOrEqual(200);
      expect(await wholeArchive(store, "s")).toEqual([0, 1, 3, 4, 5].map((i) => before.entries[i]));
    });

    it("a plan from a snapshot the room has left is VERSION_CONFLICT and changes nothing", async () => {
      const store = await open();
      await store.append("v", [user(), said(), user(), said(), user()]);
      const snap = await store.read("v");
      const first = planCompaction(snap, summaryReq())!;
      const second = planCompaction(snap, summaryReq({ summary: "OTHER", id: "rh_other" }))!;
      await store.rewriteHead("v", first.plan);
      const won = await store.read("v");
      // Two compactions from one snapshot: the second loses.
      expect((await rejection(store.rewriteHead("v", second.plan))).code).toBe("VERSION_CONFLICT");
      // An edit between the read and the write: the plan no longer holds.
      const stale = planCompaction(won, summaryReq({ keepRecent: 1 }))!;
      await store.patchMessage("v", won.entries.at(-1)!.id!, { op: "update", content: "edited", tokens: 1 });
      expect((await rejection(store.rewriteHead("v", stale.plan))).code).toBe("VERSION_CONFLICT");
      // expected_version other than the room's.
      const fresh = await store.read("v");
      const planned = planCompaction(fresh, summaryReq({ keepRecent: 1 }))!;
      const err = await rejection(store.rewriteHead("v", planned.plan, { expectedVersion: fresh.version - 1 }));
      expect(err.metadata.current_version).toBe(String(fresh.version));
      expect((await store.read("v")).entries).toEqual(fresh.entries);
      expect((await wholeArchive(store, "v")).length).toBe(first.compacted);
      // The same plan under the right expected_version applies.
      expect((await store.rewriteHead("v", planned.plan, { expectedVersion: fresh.version })).version).toBe(fresh.version + 1);
    });

    it("a plan still applies after pure tail appends (no expected_version); a trim, an edit or a clear since refuses it", async () => {
      const store = await open();
      await store.append("t", [user(), said(), user(), said(), user(), said()]);
      const snap = await store.read("t");
      const changes = await recorder(store, "t");
      const plan = planCompaction(snap, summaryReq({ keepRecent: 2 }))!.plan;
      await store.append("t", [user()]);
      await store.append("t", [said(), user()]);
      // With expected_version it stays strict.
      const moved = await store.read("t");
      expect((await rejection(store.rewriteHead("t", plan, { expectedVersion: moved.version }))).code).toBe("VERSION_CONFLICT");
      const { version } = await store.rewriteHead("t", plan);
      expect(version).toBe(moved.version + 1);
      const after = await store.read("t");
      await arrived(changes, 3);
      expect(changes.map((c) => c.kind)).toEqual(["append", "append", "compact"]);
      // A mirror applying the changes in order equals the window; the appended turns are all kept.
      let mirror = snap.entries;
      for (const c of changes) mirror = c.kind === "append" ? [...mirror, ...c.entries] : applyCompactChange(mirror, c.entries, c.replacedThroughSeq ?? 0);
      expect(mirror).toEqual(after.entries);
      expect(after.entries.slice(-3)).toEqual(moved.entries.slice(-3));
      expect(seqsIncreasing(after.entries)).toBe(true);

      // Each of these since the snapshot refuses the plan, even with pure appends after it.
      const refusals: [string, (s: HistoryStore, room: string) => Promise<unknown>][] = [
        ["trim", (s, room) => s.setLimit(room, 3)],
        ["edit", async (s, room) => s.patchMessage(room, (await s.read(room)).entries[0].id!, { op: "update", content: "e", tokens: 1 })],
        ["clear", (s, room) => s.clear(room)],
      ];
      for (const [what, mutate] of refusals) {
        const room = `t-${what}`;
        await store.append(room, [user(), said(), user(), said(), user(), said()]);
        const base = await store.read(room);
        const stale = planCompaction(base, summaryReq({ keepRecent: 2 }))!.plan;
        await mutate(store, room);
        await store.append(room, [user(), said()]);
        const before = await store.read(room);
        expect((await rejection(store.rewriteHead(room, stale))).code, what).toBe("VERSION_CONFLICT");
        expect((await store.read(room)).entries, what).toEqual(before.entries);
      }
    });
  });
}
