/**
 * Conformance of the room lifecycle (issue 8) for every HistoryStore: expiry and deletion are
 * mutations (versions and seqs never go back, each publishes one change), tombstones, retention,
 * the reaper, idempotent appends and expected_version on every mutation. Run by redis.test.ts (both
 * key layouts) and memory.test.ts. Expiry waits for real time: the stores read Redis TIME and
 * Date.now(), and retentions are whole seconds.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Entry } from "../../src/domain/entry.js";
import { DomainError } from "../../src/domain/errors.js";
import type { HistoryStore, StoreChange, StoreOptions } from "../../src/store/store.js";
import type { StoreFactory, StoreFixture } from "./suite.js";

const OPTIONS: StoreOptions = { defaultLimit: 100, ttlSeconds: 0, maxEventBytes: 64 * 1024 };

let n = 0;
const user = (content = `m${++n}`, id = `id-${++n}`): Entry => ({ role: "user", content, id });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Past a one-second retention, with room for the stores' clocks being read a few ms apart. */
const PAST_ONE_SECOND = 1200;

async function rejection(p: Promise<unknown>): Promise<DomainError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(DomainError);
  return err as DomainError;
}

/** The changes of the rooms subscribed, in order; `next(k)` resolves once k have arrived. */
async function recorder(store: HistoryStore, ...rooms: string[]) {
  const changes: StoreChange[] = [];
  store.feed.setListener({ change: (c) => changes.push(c), resubscribed: () => undefined });
  await Promise.all(rooms.map((r) => store.feed.subscribe(r)));
  return {
    changes,
    async next(count: number) {
      const deadline = Date.now() + 5000;
      while (changes.length < count && Date.now() < deadline) await sleep(2);
      expect(changes.length).toBeGreaterThanOrEqual(count);
      return changes.map((c) => [c.kind, c.previousVersion, c.version]);
    },
  };
}

async function listed(store: HistoryStore): Promise<string[]> {
  return (await store.listRooms(1000)).roomIds;
}

export function storeLifecycleConformance(name: string, factory: StoreFactory): void {
  describe(`${name} store lifecycle conformance`, () => {
    const fixtures: StoreFixture[] = [];
    const open = async (options: Partial<StoreOptions> = {}) => {
      const fx = await factory({ ...OPTIONS, ...options });
      fixtures.push(fx);
      return fx.store;
    };
    afterEach(async () => {
      await Promise.all(fixtures.splice(0).map((fx) => fx.close()));
    });

    it("deletes a room: one DELETED change, out of ListRooms, a later write continues above the tombstone", async () => {
      const store = await open();
      const rec = await recorder(store, "d");
      await store.append("d", [user(), user()]);
      await store.append("keep", [user()]);
      expect(await store.deleteRoom("d")).toEqual({ version: 2, deleted: true });
      expect(await rec.next(2)).toEqual([["append", 0, 1], ["deleted", 1, 2]]);
      expect(await listed(store)).toEqual(["keep"]);
      expect(await store.read("d")).toMatchObject({ version: 2, exists: false, entries: [] });
      expect(await store.versions(["d"])).toEqual([2]);
      expect(await store.deleteRoom("d")).toEqual({ version: 2, deleted: false }); // nothing left: no change
      const again = await store.append("d", [user()]);
      expect(again.version).toBe(3);
      expect(again.entries[0].seq).toBe(3); // seqs 1 and 2 are never handed out again
      expect(await listed(store)).toEqual(["d", "keep"]);
      expect(await rec.next(3)).toEqual([["append", 0, 1], ["deleted", 1, 2], ["append", 2, 3]]);
    });

    it("a deleted room loses its settings: limit and retention return to the defaults", async () => {
      const store = await open({ ttlSeconds: 3600 });
      await store.setLimit("s", 60);
      await store.setRetention("s", 0);
      await store.deleteRoom("s");
      const snap = await store.read("s");
      expect(snap).toMatchObject({ version: 3, limit: 100, rebackfill: false, ttlSeconds: 3600, retentionIsDefault: true });
    });

    it("sets retention with one RETENTION change; undefined returns to the server default", async () => {
      const store = await open({ ttlSeconds: 3600 });
      const rec = await recorder(store, "t");
      await store.append("t", [user()]);
      expect(await store.setRetention("t", 0)).toEqual({ version: 2, ttlSeconds: 0, isDefault: false });
      expect(await store.read("t")).toMatchObject({ ttlSeconds: 0, retentionIsDefault: false, expiresAt: undefined });
      expect(await store.setRetention("t", undefined)).toEqual({ version: 3, ttlSeconds: 3600, isDefault: true });
      const snap = await store.read("t");
      expect(snap).toMatchObject({ ttlSeconds: 3600, retentionIsDefault: true });
      expect(Date.parse(snap.expiresAt!) - Date.now()).toBeGreaterThan(3590_000);
      expect(await rec.next(3)).toEqual([["append", 0, 1], ["retention", 1, 2], ["retention", 2, 3]]);
    });

    it("expires idle rooms as a mutation: EXPIRED changes, versions and seqs go on, kept rooms stay", async () => {
      const store = await open({ ttlSeconds: 1 });
      const rec = await recorder(store, "e1", "e2");
      await store.append("e1", [user(), user()]);
      await store.append("e2", [user()]);
      await store.append("forever", [user()]);
      await store.setRetention("forever", 0);
      await sleep(PAST_ONE_SECOND);
      // Listed until expired: expiry happens at the reaper or at the room's next write, not by a key TTL.
      const dry = await store.reapIdle({ maxIdleSeconds: 0, dryRun: true, limit: 100 });
      expect([dry.roomIds.sort(), dry.more]).toEqual([["e1", "e2"], false]);
      expect(await listed(store)).toEqual(["e1", "e2", "forever"]);
      const reaped = await store.reapIdle({ maxIdleSeconds: 0, dryRun: false, limit: 100 });
      expect(reaped.roomIds.sort()).toEqual(["e1", "e2"]);
      expect(await listed(store)).toEqual(["forever"]);
      expect(await store.read("e1")).toMatchObject({ version: 2, exists: false, entries: [] });
      // A write continues above the tombstone.
      const later = await store.append("e1", [user()]);
      expect([later.version, later.entries[0].seq]).toEqual([3, 3]);
      await rec.next(5);
      const byRoom = (r: string) => rec.changes.filter((c) => c.roomId === r).map((c) => [c.kind, c.previousVersion, c.version]);
      expect(byRoom("e1")).toEqual([["append", 0, 1], ["expired", 1, 2], ["append", 2, 3]]);
      expect(byRoom("e2")).toEqual([["append", 0, 1], ["expired", 1, 2]]);
      expect((await store.reapIdle({ maxIdleSeconds: 0, dryRun: false, limit: 100 })).roomIds).toEqual([]);
    });

    it("expires a room past its retention before the write that touches it, whatever that write does", async () => {
      const store = await open({ ttlSeconds: 1 });
      const rec = await recorder(store, "w", "f", "c");
      await store.append("w", [user("old", "x")]);
      await store.append("f", [user("old", "y")]);
      await store.append("c", [user()]);
      await sleep(PAST_ONE_SECOND);
      const w = await store.append("w", [user("new")]);
      expect([w.version, w.entries[0].seq]).toEqual([3, 2]); // v2 is the expiry
      expect((await store.read("w")).entries.map((e) => e.content)).toEqual(["new"]);
      // A write that then fails (unknown id, stale version) still expired the room: it leaves ListRooms.
      expect((await rejection(store.patchMessage("f", "y", { op: "update", content: "z" }))).code).toBe("NOT_FOUND");
      expect((await rejection(store.clear("c", { expectedVersion: 1 }))).metadata.current_version).toBe("2");
      expect(await listed(store)).toEqual(["w"]);
      await rec.next(5);
      expect(rec.changes.filter((c) => c.roomId !== "w").map((c) => [c.roomId, c.kind, c.version])).toEqual([
        ["f", "append", 1], ["c", "append", 1], ["f", "expired", 2], ["c", "expired", 2],
      ]);
    });

    it("reaps by idle time: dry runs change nothing, retention 0 is never reaped", async () => {
      const store = await open({ ttlSeconds: 0 });
      await store.append("idle", [user()]);
      await store.append("kept", [user()]);
      await store.setRetention("kept", 0);
      await store.append("long", [user()]);
      await store.setRetention("long", 3600);
      await sleep(PAST_ONE_SECOND);
      await store.append("busy", [user()]);
      expect(await store.reapIdle({ maxIdleSeconds: 0, dryRun: false, limit: 100 })).toEqual({ roomIds: [], more: false });
      const dry = await store.reapIdle({ maxIdleSeconds: 1, dryRun: true, limit: 100 });
      expect(dry.roomIds.sort()).toEqual(["idle", "long"]);
      expect(await store.versions(["idle", "long"])).toEqual([1, 2]);
      expect(await listed(store)).toEqual(["busy", "idle", "kept", "long"]);
      expect((await store.reapIdle({ maxIdleSeconds: 3600, dryRun: false, limit: 100 })).roomIds).toEqual([]);
      const first = await store.reapIdle({ maxIdleSeconds: 1, dryRun: false, limit: 1 });
      expect([first.roomIds.length, first.more]).toEqual([1, true]);
      const rest = await store.reapIdle({ maxIdleSeconds: 1, dryRun: false, limit: 100 });
      expect(rest.more).toBe(false);
      expect([...first.roomIds, ...rest.roomIds].sort()).toEqual(["idle", "long"]);
      expect(await store.versions(["idle", "long", "kept", "busy"])).toEqual([2, 3, 2, 1]);
      expect(await listed(store)).toEqual(["busy", "kept"]);
    });

    it("replays an idempotent append: same version, seqs and ids, nothing written, no change", async () => {
      const store = await open();
      const rec = await recorder(store, "i");
      const batch = [user("a", 'q"é/\\'), { role: "assistant", content: "b" }];
      const fingerprint = JSON.stringify(batch);
      const first = await store.append("i", structuredClone(batch), { idempotencyKey: "k1", fingerprint });
      expect(first.replayed).toBe(false);
      await store.append("i", [user()]);
      const again = await store.append("i", structuredClone(batch), { idempotencyKey: "k1", fingerprint, expectedVersion: 0 });
      expect(again).toMatchObject({ version: 1, trimmed: 0, replayed: true });
      expect(again.entries.map((e) => [e.seq, e.id, e.content])).toEqual(first.entries.map((e) => [e.seq, e.id, e.content]));
      const snap = await store.read("i");
      expect([snap.version, snap.entries.length]).toEqual([2, 3]);
      const other = store.append("i", [user("other")], { idempotencyKey: "k1", fingerprint: "different" });
      expect((await rejection(other)).code).toBe("INVALID_ARGUMENT");
      // The key belongs to its room: another room writes.
      expect((await store.append("j", structuredClone(batch), { idempotencyKey: "k1", fingerprint })).replayed).toBe(false);
      await sleep(50);
      expect((await rec.next(2)).length).toBe(2);
    });

    it("stores concurrent appends with one idempotency key once", async () => {
      const store = await open();
      const batch = [user("once")];
      const fingerprint = JSON.stringify(batch);
      const calls = Array.from({ length: 5 }, () => store.append("c", structuredClone(batch), { idempotencyKey: "k", fingerprint }));
      const results = await Promise.all(calls);
      expect(results.filter((r) => !r.replayed)).toHaveLength(1);
      expect(new Set(results.map((r) => `${r.version}:${r.entries[0].seq}`))).toEqual(new Set(["1:1"]));
      expect((await store.read("c")).entries).toHaveLength(1);
    });

    it("checks expected_version on every mutation: VERSION_CONFLICT with the current version, nothing changed", async () => {
      const store = await open();
      const rec = await recorder(store, "v");
      const { entries } = await store.append("v", [user("x", "m")]);
      const stale = { expectedVersion: 0 };
      const calls: [string, () => Promise<unknown>][] = [
        ["append", () => store.append("v", [user()], stale)],
        ["update", () => store.patchMessage("v", entries[0].id!, { op: "update", content: "y" }, stale)],
        ["delete", () => store.patchMessage("v", "m", { op: "delete", deletedAt: "2026-01-01T00:00:00Z" }, stale)],
        ["reactions", () => store.patchMessage("v", "m", { op: "reactions", reactions: [{ emoji: "👍" }] }, stale)],
        ["clear", () => store.clear("v", stale)],
        ["limit", () => store.setLimit("v", 60, undefined, stale)],
        ["rebackfill", () => store.discardRebackfill("v", stale)],
        ["retention", () => store.setRetention("v", 0, stale)],
        ["deleted", () => store.deleteRoom("v", stale)],
      ];
      for (const [kind, call] of calls) {
        const err = await rejection(call());
        expect([kind, err.code, err.metadata.current_version, err.metadata.expected_version]).toEqual([kind, "VERSION_CONFLICT", "1", "0"]);
      }
      expect(await store.read("v")).toMatchObject({ version: 1, entries: [{ content: "x" }] });
      // Each applies at the current version.
      let v = 1;
      for (const [, call] of calls) {
        stale.expectedVersion = v;
        const r = (await call()) as { version: number };
        expect(r.version).toBe(++v);
      }
      const kinds = (await rec.next(10)).map(([kind]) => kind);
      expect(kinds).toEqual(["append", ...calls.map(([kind]) => kind)]);
      // A room never written is at version 0; expecting 0 creates it, expecting 1 does not.
      expect((await rejection(store.deleteRoom("new", { expectedVersion: 1 }))).metadata.current_version).toBe("0");
      expect(await store.deleteRoom("new", { expectedVersion: 0 })).toEqual({ version: 0, deleted: false });
    });

    it("a mutation that fails on a room never written leaves no room behind", async () => {
      const store = await open({ ttlSeconds: 3600 });
      expect((await rejection(store.append("ghost", [user()], { expectedVersion: 3 }))).code).toBe("VERSION_CONFLICT");
      expect((await rejection(store.patchMessage("ghost", "m", { op: "update", content: "z" }))).code).toBe("NOT_FOUND");
      expect(await listed(store)).toEqual([]);
      expect(await store.read("ghost")).toMatchObject({ version: 0, exists: false, expiresAt: undefined });
      expect(await store.deleteRoom("ghost")).toEqual({ version: 0, deleted: false });
      expect(await store.versions(["ghost"])).toEqual([0]);
    });
  });
}
