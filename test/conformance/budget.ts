/**
 * The room byte budget, for every HistoryStore: the window trims by bytes as well as by count (with
 * the tool-call rule), a message that alone exceeds the budget is refused, an edit never overflows it,
 * and the per-room budget is clamped to [64 KiB, the server's].
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Entry } from "../../src/domain/entry.js";
import { DomainError } from "../../src/domain/errors.js";
import { MIN_ROOM_BYTES, type HistoryStore, type StoreChange } from "../../src/store/store.js";
import type { StoreFactory, StoreFixture } from "./suite.js";

const KiB = 1024;
const SERVER_MAX = 256 * KiB;

let n = 0;
const msg = (role: string, size: number, extra: Partial<Entry> = {}): Entry => ({
  role, content: `${++n}:`.padEnd(size, "x"), id: `b-${n}-${Math.random().toString(36).slice(2, 8)}`, ...extra,
});

async function rejection(p: Promise<unknown>): Promise<DomainError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(DomainError);
  return err as DomainError;
}

export function budgetConformance(name: string, factory: StoreFactory): void {
  describe(`${name} store: room byte budget`, () => {
    let fx: StoreFixture;
    let store: HistoryStore;
    beforeEach(async () => {
      fx = await factory({ defaultLimit: 100, ttlSeconds: 0, maxEventBytes: 64 * KiB, maxRoomBytes: SERVER_MAX });
      store = fx.store;
    });
    afterEach(async () => fx.close());

    it("keeps a full room at its budget, trimming the oldest turns by bytes", async () => {
      let last: Entry[] = [];
      for (let i = 0; i < 40; i++) last = (await store.append("r", [msg("user", 10 * KiB)])).entries;
      const snap = await store.read("r");
      expect(snap.maxBytes).toBe(SERVER_MAX);
      expect(snap.bytes).toBeLessThanOrEqual(SERVER_MAX);
      expect(snap.bytes).toBeGreaterThan(SERVER_MAX - 11 * KiB);
      expect(snap.entries.length).toBeLessThan(40);
      expect(snap.entries.at(-1)!.seq).toBe(last[0].seq);
      // Count and bytes agree with what the window holds (the running total stays true).
      await store.append("r", [msg("assistant", 10)]);
      const again = await store.read("r");
      expect(again.bytes).toBeLessThanOrEqual(SERVER_MAX);
      expect(again.entries.map((e) => e.seq)).toEqual(
        [...snap.entries.map((e) => e.seq), again.entries.at(-1)!.seq].slice(-again.entries.length),
      );
    });

    it("drops tool results whose call a byte trim took", async () => {
      await store.append("r", [
        msg("assistant", 20 * KiB, { tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }] }),
        msg("tool", 10, { tool_call_id: "c1" }), msg("user", 10),
      ]);
      // Dropping the call is enough for the bytes; its result goes with it.
      const r = await store.append("r", [msg("user", 240 * KiB)]);
      expect(r.trimmed).toBe(2);
      const snap = await store.read("r");
      expect(snap.entries.filter((e) => e.role === "tool")).toHaveLength(0);
      expect(snap.entries[0].role).toBe("user");
    });

    it("refuses a message larger than the budget, naming it, and writes nothing", async () => {
      await store.append("r", [msg("user", 10)]);
      const err = await rejection(store.append("r", [msg("user", 10), msg("user", SERVER_MAX + 1)]));
      expect(err.code).toBe("TOO_LARGE");
      expect(err.metadata.field).toBe("messages[1]");
      const snap = await store.read("r");
      expect(snap.version).toBe(1);
      expect(snap.entries).toHaveLength(1);
      // The seq counter did not move either.
      expect((await store.append("r", [msg("user", 10)])).entries[0].seq).toBe(2);
    });

    it("clamps a room's own budget to [64 KiB, the server's] and keeps it when unset", async () => {
      expect((await store.setLimit("r", 100, 1)).maxBytes).toBe(MIN_ROOM_BYTES);
      expect((await store.read("r")).maxBytes).toBe(MIN_ROOM_BYTES);
      expect((await store.setLimit("r", 100)).maxBytes).toBe(MIN_ROOM_BYTES);
      expect((await store.setLimit("r", 100, 2 ** 40)).maxBytes).toBe(SERVER_MAX);
      expect((await store.read("never")).maxBytes).toBe(SERVER_MAX);
      await store.clear("r");
      expect((await store.read("r")).maxBytes).toBe(SERVER_MAX);
    });

    it("trims at once when the budget falls, in one change", async () => {
      const changes: StoreChange[] = [];
      store.feed.setListener({ change: (c) => changes.push(c), resubscribed: () => undefined });
      await store.feed.subscribe("r");
      for (let i = 0; i < 10; i++) await store.append("r", [msg("user", 20 * KiB)]);
      const r = await store.setLimit("r", 100, 100 * KiB);
      expect(r.trimmed).toBeGreaterThanOrEqual(5);
      const snap = await store.read("r");
      expect(snap.bytes).toBeLessThanOrEqual(100 * KiB);
      expect(snap.entries).toHaveLength(10 - r.trimmed);
      await expect.poll(() => changes.at(-1)?.kind).toBe("limit");
      expect(changes.at(-1)!.trimmed).toBe(r.trimmed);
      // A message that fit the old budget but not the new one is refused now.
      expect((await rejection(store.append("r", [msg("user", 120 * KiB)]))).code).toBe("TOO_LARGE");
    });

    it("refuses an edit that would overflow the budget; deletions still apply", async () => {
      await store.setLimit("r", 100, 64 * KiB);
      const { entries } = await store.append("r", [msg("user", 30 * KiB), msg("assistant", 30 * KiB)]);
      const id = entries[0].id!;
      const err = await rejection(store.patchMessage("r", id, { op: "update", content: "y".repeat(10 * KiB) + "z".repeat(30 * KiB) }));
      expect(err.code).toBe("TOO_LARGE");
      expect(err.metadata.field).toBe("content");
      const before = await store.read("r");
      await store.patchMessage("r", id, { op: "update", content: "short" });
      await store.patchMessage("r", id, { op: "delete", deletedAt: "2026-11-21T10:00:00.000Z" });
      const after = await store.read("r");
      expect(after.version).toBe(before.version + 2);
      expect(after.bytes).toBeLessThan(before.bytes);
      // The running total follows edits: appending up to the budget trims nothing too early.
      const more = await store.append("r", [msg("user", 30 * KiB)]);
      expect(more.trimmed).toBe(0);
      expect((await store.read("r")).bytes).toBeLessThanOrEqual(64 * KiB);
    });
  });
}
