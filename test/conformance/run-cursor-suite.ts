/**
 * Conformance of run cursors (issue 11) for every HistoryStore: get/update with the next_seq
 * compare-and-set (CURSOR_CONFLICT with the current next_seq), values merged (an empty value removes),
 * the 64 KiB bound, no version bump and no change, kept by a clear, removed with the room (delete,
 * expiry). update-run-cursor-5.lua and applyCursorUpdate() must agree. Run by redis.test.ts (both key
 * layouts) and memory.test.ts.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Entry } from "../../src/domain/entry.js";
import { DomainError } from "../../src/domain/errors.js";
import { MAX_CURSOR_VALUES_BYTES } from "../../src/store/run-cursor.js";
import type { StoreChange, StoreOptions } from "../../src/store/store.js";
import type { StoreFactory, StoreFixture } from "./suite.js";

const OPTIONS: StoreOptions = { defaultLimit: 100, ttlSeconds: 0, maxEventBytes: 64 * 1024 };
const NONE = { exists: false, nextSeq: 0, values: {} };

let n = 0;
const user = (extra: Partial<Entry> = {}): Entry => ({ role: "user", content: `m${++n}`, id: `id-${n}`, ...extra });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function rejection(p: Promise<unknown>): Promise<DomainError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(DomainError);
  return err as DomainError;
}

export function runCursorConformance(name: string, factory: StoreFactory): void {
  describe(`${name} store run cursor conformance`, () => {
    const fixtures: StoreFixture[] = [];
    const open = async (options: Partial<StoreOptions> = {}) => {
      const fx = await factory({ ...OPTIONS, ...options });
      fixtures.push(fx);
      return fx.store;
    };
    afterEach(async () => {
      await Promise.all(fixtures.splice(0).map((fx) => fx.close()));
    });

    it("sets and reads a cursor without moving the version or publishing a change", async () => {
      const store = await open();
      await store.append("c", [user(), user()]);
      const changes: StoreChange[] = [];
      store.feed.setListener({ change: (c) => changes.push(c), resubscribed: () => undefined });
      await store.feed.subscribe("c");
      expect(await store.getRunCursor("c", "run-1")).toEqual(NONE);
      expect(await store.updateRunCursor("c", "run-1", { nextSeq: 3, values: { step: "plan", "ключ": "значение" } }))
        .toEqual({ exists: true, nextSeq: 3, values: { step: "plan", "ключ": "значение" } });
      expect(await store.getRunCursor("c", "run-1")).toEqual({ exists: true, nextSeq: 3, values: { step: "plan", "ключ": "значение" } });
      // Values merge; an empty value removes its key; an unset next_seq keeps it.
      expect(await store.updateRunCursor("c", "run-1", { values: { step: "act", "ключ": "", extra: "1" } }))
        .toEqual({ exists: true, nextSeq: 3, values: { step: "act", extra: "1" } });
      // Another run has its own cursor; an update with nothing creates an empty one.
      expect(await store.updateRunCursor("c", "run-2", { values: {} })).toEqual({ exists: true, nextSeq: 0, values: {} });
      expect(await store.getRunCursor("c", "run-2")).toEqual({ exists: true, nextSeq: 0, values: {} });
      expect((await store.read("c")).version).toBe(1);
      await store.append("c", [user()]);
      await sleep(50); // a cursor change would have been published before the append's
      expect(changes.map((c) => [c.kind, c.version])).toEqual([["append", 2]]);
      // Large seqs survive the round trip (cjson would round numbers above 14 digits).
      const big = 2 ** 53 - 1;
      expect((await store.updateRunCursor("c", "run-3", { nextSeq: big, values: {} })).nextSeq).toBe(big);
      expect((await store.getRunCursor("c", "run-3")).nextSeq).toBe(big);
    });

    it("applies expected_next_seq as a compare-and-set: CURSOR_CONFLICT with the current next_seq", async () => {
      const store = await open();
      await store.append("c", [user()]);
      // 0 stands for a cursor that does not exist.
      expect((await store.updateRunCursor("c", "r", { nextSeq: 5, values: { a: "1" }, expectedNextSeq: 0 })).nextSeq).toBe(5);
      const err = await rejection(store.updateRunCursor("c", "r", { nextSeq: 9, values: { a: "2" }, expectedNextSeq: 0 }));
      expect(err.code).toBe("CURSOR_CONFLICT");
      expect(err.metadata).toMatchObject({ run_id: "r", expected_next_seq: "0", current_next_seq: "5" });
      expect(await store.getRunCursor("c", "r")).toEqual({ exists: true, nextSeq: 5, values: { a: "1" } });
      expect((await store.updateRunCursor("c", "r", { nextSeq: 9, values: {}, expectedNextSeq: 5 })).nextSeq).toBe(9);
      // Two workers resuming one run: exactly one advances it.
      const both = await Promise.allSettled([
        store.updateRunCursor("c", "r", { nextSeq: 12, values: { w: "one" }, expectedNextSeq: 9 }),
        store.updateRunCursor("c", "r", { nextSeq: 13, values: { w: "two" }, expectedNextSeq: 9 }),
      ]);
      expect(both.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      const lost = both.find((r) => r.status === "rejected") as PromiseRejectedResult;
      expect((lost.reason as DomainError).code).toBe("CURSOR_CONFLICT");
    });

    it("keeps the values within 64 KiB (keys and values, UTF-8): TOO_LARGE past it, nothing written", async () => {
      const store = await open();
      await store.append("c", [user()]);
      const fill = "x".repeat(MAX_CURSOR_VALUES_BYTES - 4); // with its key "k1": 2 bytes under the bound
      await store.updateRunCursor("c", "r", { values: { k1: fill } });
      const err = await rejection(store.updateRunCursor("c", "r", { nextSeq: 4, values: { ab: "é" } })); // 4 bytes
      expect(err.code).toBe("TOO_LARGE");
      expect(err.metadata.field).toBe("values");
      expect(await store.getRunCursor("c", "r")).toEqual({ exists: true, nextSeq: 0, values: { k1: fill } });
      // Exactly at the bound is allowed; a removal in the same update makes room.
      expect(Object.keys((await store.updateRunCursor("c", "r", { values: { a: "b" } })).values)).toEqual(["k1", "a"]);
      expect((await rejection(store.updateRunCursor("c", "r", { values: { c: "d" } }))).code).toBe("TOO_LARGE");
      expect((await store.updateRunCursor("c", "r", { values: { a: "", c: "d" } })).values).toEqual({ k1: fill, c: "d" });
    });

    it("needs the room: NOT_FOUND for a room never written or deleted; a clear keeps cursors, a delete drops them", async () => {
      const store = await open();
      expect((await rejection(store.updateRunCursor("none", "r", { values: { a: "1" } }))).code).toBe("NOT_FOUND");
      expect(await store.getRunCursor("none", "r")).toEqual(NONE);
      await store.append("c", [user()]);
      await store.updateRunCursor("c", "r", { nextSeq: 2, values: { a: "1" } });
      await store.clear("c");
      expect(await store.getRunCursor("c", "r")).toEqual({ exists: true, nextSeq: 2, values: { a: "1" } });
      await store.deleteRoom("c");
      expect(await store.getRunCursor("c", "r")).toEqual(NONE);
      expect((await rejection(store.updateRunCursor("c", "r", { values: {} }))).code).toBe("NOT_FOUND");
      await store.append("c", [user()]);
      expect(await store.getRunCursor("c", "r")).toEqual(NONE);
    });

    it("drops cursors when the room expires, read as gone even before anything expires it", async () => {
      const store = await open({ ttlSeconds: 1 });
      await store.append("x", [user()]);
      await store.updateRunCursor("x", "r", { nextSeq: 2, values: { a: "1" } });
      await store.append("y", [user()]);
      await store.updateRunCursor("y", "r", { nextSeq: 2, values: { b: "2" } });
      await sleep(1200);
      expect(await store.getRunCursor("x", "r")).toEqual(NONE);
      // The next mutation expires the room first: the new room starts without the old cursor.
      await store.append("x", [user()]);
      expect(await store.getRunCursor("x", "r")).toEqual(NONE);
      // An update expires a due room too, and then finds no room.
      expect((await rejection(store.updateRunCursor("y", "r", { values: {} }))).code).toBe("NOT_FOUND");
      await store.append("y", [user()]);
      expect(await store.getRunCursor("y", "r")).toEqual(NONE);
    });
  });
}
