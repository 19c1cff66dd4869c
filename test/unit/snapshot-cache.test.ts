import { expect, it } from "vitest";
import { SnapshotCache } from "../../src/store/snapshot-cache.js";
import type { RoomSnapshot } from "../../src/store/store.js";

const snap = (version: number): RoomSnapshot => ({
  version, limit: 100, rebackfill: false, entries: [], exists: true, ttlSeconds: 0, retentionIsDefault: true,
  bytes: 0, maxBytes: 0,
});
const made = (value: string, bytes: number) => () => ({ value, bytes });

it("keeps snapshots and what is derived from them under one budget, least recently used first out", () => {
  const cache = new SnapshotCache(100);
  const a = snap(1);
  const b = snap(1);
  cache.put("a", a, 40);
  expect(cache.derive("a", a, "history", made("ha", 30))).toBe("ha");
  expect(cache.derive("a", a, "history", made("other", 30))).toBe("ha"); // made once per snapshot
  expect(cache.bytes).toBe(70);
  cache.put("b", b, 20);
  cache.get("a");
  expect(cache.derive("b", b, "render", made("rb", 20))).toBe("rb");
  expect(cache.bytes).toBe(40); // 110 did not fit: room a (70) went, b (used last) stayed
  expect(cache.get("a")).toBeUndefined(); // evicted whole, with its derived value
  expect(cache.get("b")?.snapshot).toBe(b);
});

it("replaces a room's values with a newer snapshot's, never with an older one's", () => {
  const cache = new SnapshotCache(100);
  const [v1, v2] = [snap(1), snap(2)];
  cache.put("r", v2, 10);
  expect(cache.derive("r", v1, "history", made("old", 10))).toBe("old");
  expect(cache.get("r")?.snapshot).toBe(v2);
  expect(cache.bytes).toBe(10);
  cache.derive("r", v2, "history", made("new", 10));
  cache.put("r", snap(3), 5);
  expect(cache.bytes).toBe(5);
});

it("keeps nothing larger than its budget, and nothing at all with a budget of 0", () => {
  const cache = new SnapshotCache(50);
  const s = snap(1);
  cache.put("r", s, 60);
  expect(cache.get("r")).toBeUndefined();
  expect(cache.derive("r", s, "history", made("big", 60))).toBe("big");
  expect(cache.bytes).toBe(0);
  const off = new SnapshotCache(0);
  expect(off.derive("r", s, "history", made("x", 1))).toBe("x");
  expect(off.bytes).toBe(0);
  expect(off.get("r")).toBeUndefined();
});
