/**
 * One conformance suite for every HistoryStore: versions, trims, patches, clears, limits and change
 * events must behave the same in Redis (Lua) and in memory.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Entry } from "../../src/domain/entry.js";
import { DomainError } from "../../src/domain/errors.js";
import type { HistoryStore, StoreChange, StoreOptions } from "../../src/store/store.js";

export interface StoreFixture {
  store: HistoryStore;
  close(): Promise<void>;
}

export type StoreFactory = (options: StoreOptions) => Promise<StoreFixture>;

const OPTIONS: StoreOptions = { defaultLimit: 100, ttlSeconds: 0, maxEventBytes: 64 * 1024 };

let n = 0;
const msg = (role: string, content = `m${++n}`, extra: Partial<Entry> = {}): Entry => ({
  role, content, id: `id-${n}-${Math.random().toString(36).slice(2, 8)}`, ...extra,
});
const users = (count: number) => Array.from({ length: count }, () => msg("user"));

/** Collects a room's change events; `next(k)` resolves once k events have arrived. */
function recorder(store: HistoryStore) {
  const changes: StoreChange[] = [];
  let wake: (() => void) | undefined;
  store.feed.setListener({ change: (c) => (changes.push(c), wake?.()), resubscribed: () => undefined });
  return {
    changes,
    async next(count: number) {
      while (changes.length < count) await new Promise<void>((r) => (wake = r));
    },
  };
}

async function rejection(p: Promise<unknown>): Promise<DomainError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(DomainError);
  return err as DomainError;
}

export function storeConformance(name: string, factory: StoreFactory, options: Partial<StoreOptions> = {}): void {
  describe(`${name} store conformance`, () => {
    let fx: StoreFixture;
    let store: HistoryStore;
    beforeEach(async () => {
      fx = await factory({ ...OPTIONS, ...options });
      store = fx.store;
    });
    afterEach(async () => fx.close());

    it("assigns versions and seqs, one version per mutation", async () => {
      const a = await store.append("r", [msg("user"), msg("assistant")]);
      expect(a.version).toBe(1);
      expect(a.entries.map((e) => e.seq)).toEqual([1, 2]);
      const b = await store.append("r", [msg("user")]);
      expect(b.version).toBe(2);
      expect(b.entries[0].seq).toBe(3);
      const snap = await store.read("r");
      expect(snap.version).toBe(2);
      expect(snap.entries.map((e) => e.content)).toEqual([...a.entries, ...b.entries].map((e) => e.content));
      expect(await store.versions(["r", "never"])).toEqual([2, 0]);
    });

    it("rejects a stale expected version and writes nothing", async () => {
      await store.append("r", users(2));
      const err = await rejection(store.append("r", users(1), { expectedVersion: 0 }));
      expect(err.code).toBe("VERSION_CONFLICT");
      expect(err.metadata.current_version).toBe("1");
      expect((await store.read("r")).entries).toHaveLength(2);
      expect((await store.append("r", users(1), { expectedVersion: 1 })).version).toBe(2);
      expect((await store.append("new-room", users(1), { expectedVersion: 0 })).version).toBe(1);
    });

    it("trims to the limit, counting only user and assistant messages", async () => {
      await store.append("r", [msg("system", "sys")]);
      for (let i = 0; i < 11; i++) await store.append("r", users(10));
      const snap = await store.read("r");
      expect(snap.entries).toHaveLength(100);
      expect(snap.entries.at(-1)!.seq).toBe(111);
      expect(snap.entries[0].seq).toBe(12);
    });

    it("never leaves a tool result without its call at the front", async () => {
      await store.setLimit("r", 50);
      await store.append("r", [
        msg("assistant", "", { tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }] }),
        msg("tool", "r1", { tool_call_id: "c1" }), msg("tool", "r2", { tool_call_id: "c1" }), msg("user"),
      ]);
      const r = await store.append("r", users(49));
      expect(r.trimmed).toBe(3); // the assistant call, then both results it would leave behind
      const snap = await store.read("r");
      expect(snap.entries[0].role).toBe("user");
      expect(snap.entries.filter((e) => e.role === "tool")).toHaveLength(0);
    });

    it("keeps tool messages out of the count", async () => {
      await store.setLimit("r", 50);
      const batch = [msg("user"), ...Array.from({ length: 30 }, () => msg("tool", "x", { tool_call_id: "c" }))];
      await store.append("r", batch);
      await store.append("r", users(49));
      expect((await store.read("r")).entries).toHaveLength(80);
    });

    it("edits, deletes and reacts by id, each a new version", async () => {
      const { entries } = await store.append("r", [msg("user", "hello"), msg("assistant", "hi")]);
      const id = entries[0].id!;
      const u = await store.patchMessage("r", id, { op: "update", content: "hello again" });
      expect(u.version).toBe(2);
      expect(u.entry.content).toBe("hello again");
      expect(u.entry.edited_at).toBeTruthy();
      const d = await store.patchMessage("r", id, { op: "delete", deletedAt: "2026-01-02T03:04:05Z" });
      expect(d.entry.deleted_at).toBe("2026-01-02T03:04:05Z");
      expect(d.entry.content).toBe("hello again");
      const x = await store.patchMessage("r", id, { op: "reactions", reactions: [{ emoji: "👍", count: 2 }] });
      expect(x.entry.reactions).toEqual([{ emoji: "👍", count: 2 }]);
      const cleared = await store.patchMessage("r", id, { op: "reactions", reactions: [] });
      expect(cleared.entry.reactions).toBeUndefined();
      expect(cleared.version).toBe(5);
      const snap = await store.read("r");
      expect(snap.entries[0]).toMatchObject({ content: "hello again", deleted_at: "2026-01-02T03:04:05Z", seq: 1 });
    });

    it("reports an unknown message id and a stale edit without changing anything", async () => {
      await store.append("r", users(1));
      expect((await rejection(store.patchMessage("r", "nope", { op: "delete", deletedAt: "x" }))).code).toBe("NOT_FOUND");
      const { entries } = await store.read("r");
      const stale = store.patchMessage("r", entries[0].id!, { op: "update", content: "z" }, { expectedVersion: 0 });
      expect((await rejection(stale)).code).toBe("VERSION_CONFLICT");
      expect((await store.read("r")).version).toBe(1);
    });

    it("keeps image parts when the text of a multimodal message is edited", async () => {
      const parts = [{ type: "text" as const, text: "look" }, { type: "image_url" as const, image_url: { url: "https://x/y.png" } }];
      const { entries } = await store.append("r", [msg("user", "", { content: parts })]);
      const r = await store.patchMessage("r", entries[0].id!, { op: "update", content: "look closer" });
      expect(r.entry.content).toEqual([parts[1]]);
      expect(r.entry.content_text).toBe("look closer");
    });

    it("clears without resetting the version or the seq counter", async () => {
      await store.append("r", users(3));
      expect((await store.clear("r")).version).toBe(2);
      const snap = await store.read("r");
      expect(snap).toMatchObject({ version: 2, entries: [] });
      const again = await store.append("r", users(1));
      expect(again).toMatchObject({ version: 3 });
      expect(again.entries[0].seq).toBe(4);
    });

    it("marks a re-backfill when the limit rises and trims when it falls", async () => {
      const up = await store.setLimit("r", 200);
      expect(up).toMatchObject({ limit: 200, rebackfill: true, version: 1 });
      expect((await store.read("r")).limit).toBe(200);
      expect(await store.discardRebackfill("r")).toEqual({ version: 2 });
      expect((await store.read("r")).rebackfill).toBe(false);
      for (let i = 0; i < 3; i++) await store.append("r", users(40));
      const down = await store.setLimit("r", 50);
      expect(down).toMatchObject({ limit: 50, rebackfill: false, trimmed: 70 });
      expect((await store.read("r")).entries).toHaveLength(50);
    });

    it("publishes exactly one change per mutation, in order", async () => {
      const rec = recorder(store);
      await store.feed.subscribe("r");
      const a = await store.append("r", [msg("user", "one")]);
      await store.patchMessage("r", a.entries[0].id!, { op: "update", content: "uno" });
      await store.clear("r");
      await store.setLimit("r", 60);
      await store.discardRebackfill("r");
      await store.append("other", users(1));
      await rec.next(5);
      expect(rec.changes.map((c) => [c.kind, c.previousVersion, c.version])).toEqual([
        ["append", 0, 1], ["update", 1, 2], ["clear", 2, 3], ["limit", 3, 4], ["rebackfill", 4, 5],
      ]);
      expect(rec.changes[0].entries[0]).toMatchObject({ content: "one", seq: 1 });
      expect(rec.changes[1].entries[0]).toMatchObject({ content: "uno" });
      expect(rec.changes.every((c) => c.roomId === "r")).toBe(true);
    });

    it("omits large entries from change events", async () => {
      const rec = recorder(store);
      await store.feed.subscribe("big");
      await store.append("big", [msg("user", "x".repeat(70 * 1024))]);
      await rec.next(1);
      expect(rec.changes[0]).toMatchObject({ omitted: true, entries: [], version: 1 });
    });

    it("hands out one snapshot while a room is unchanged, and a new one after any change", async () => {
      const { entries } = await store.append("r", users(2));
      const first = await store.read("r");
      expect(await store.read("r")).toBe(first);
      await store.patchMessage("r", entries[0].id!, { op: "reactions", reactions: [{ emoji: "🙂" }] });
      const second = await store.read("r");
      expect(second).not.toBe(first);
      expect(second.entries[0].reactions).toEqual([{ emoji: "🙂" }]);
      expect(first.entries[0].reactions).toBeUndefined();
      await store.clear("r");
      expect((await store.read("r")).entries).toEqual([]);
    });

    it("pages through rooms in order", async () => {
      for (const id of ["b", "a", "c", "d"]) await store.append(id, users(1));
      const p1 = await store.listRooms(3);
      expect(p1).toMatchObject({ roomIds: ["a", "b", "c"], next: "c" });
      expect(await store.listRooms(3, p1.next)).toMatchObject({ roomIds: ["d"], next: undefined });
    });
  });
}
