/**
 * The compaction handlers' re-plan rule, made deterministic: a writer appends between the handler's
 * read and its rewrite (a store whose read lets another write in just after it answers). Without
 * expected_version the handler re-reads and re-plans (the append is kept, after the summary); with it
 * the call is VERSION_CONFLICT (ABORTED); a room that keeps moving is VERSION_CONFLICT after 3 re-plans.
 */
import { describe, expect, it } from "vitest";
import { CompactionHandlers } from "../../src/service/compaction.js";
import { MemoryStore } from "../../src/store/memory/memory-store.js";
import { DomainError } from "../../src/domain/errors.js";
import type { Entry } from "../../src/domain/entry.js";
import type { RoomSnapshot, StoreOptions } from "../../src/store/store.js";
import { DEFAULT_LIMITS } from "../../src/defaults.js";

const OPTIONS: StoreOptions = { defaultLimit: 100, ttlSeconds: 0, maxEventBytes: 1 << 20 };
const user = (content: string): Entry => ({ role: "user", content, tk: 1 });

/**
 * A memory store where the next `interruptions` reads are each followed at once by another writer's
 * append and (unless `appendsOnly`) a limit change: a pure tail append alone lets the plan still apply
 * (planApplies in src/store/rewrite.ts), so the limit change is what moves the room.
 */
class BusyRoomStore extends MemoryStore {
  interruptions = 0;
  writes = 0;
  appendsOnly = false;
  async read(roomId: string): Promise<RoomSnapshot> {
    const snap = await super.read(roomId);
    if (this.interruptions > 0) {
      this.interruptions--;
      await super.append(roomId, [user(`meanwhile ${++this.writes}`)]);
      if (!this.appendsOnly) await super.setLimit(roomId, 100);
    }
    return snap;
  }
}

async function setup(): Promise<{ store: BusyRoomStore; handlers: CompactionHandlers }> {
  const store = new BusyRoomStore(OPTIONS);
  await store.append("r", ["a", "b", "c", "d"].map(user));
  return { store, handlers: new CompactionHandlers(store, DEFAULT_LIMITS, { timeoutMs: 1000 }) };
}

const request = { roomId: "r", summary: "S", keepRecent: 1, keepRecentTokens: undefined, phaseGraduated: false,
  expectedVersion: undefined, durability: undefined };

describe("compaction handlers under concurrent writes", () => {
  it("re-plans when the room moved and the caller named no expected_version", async () => {
    const { store, handlers } = await setup();
    store.interruptions = 2;
    const res = await handlers.compactHistory(request);
    const after = await store.read("r");
    expect(res.version).toBe(6); // 1 append, 2 interruptions (2 versions each), then the compaction
    expect(after.entries.map((e) => e.content)).toEqual(["S", "meanwhile 2"]);
    expect(res.compacted).toBe(5);
  });

  it("is VERSION_CONFLICT when the caller named an expected_version", async () => {
    const { store, handlers } = await setup();
    store.interruptions = 1;
    const err = await handlers.compactHistory({ ...request, expectedVersion: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe("VERSION_CONFLICT");
    expect((await store.read("r")).entries.map((e) => e.content)).toEqual(["a", "b", "c", "d", "meanwhile 1"]);
  });

  it("gives up after three re-plans", async () => {
    const { store, handlers } = await setup();
    store.interruptions = 4;
    const err = await handlers.compactPreservingStructure({ roomId: "r", keepRecent: 1, phaseGraduated: false, aggressive: false,
      expectedVersion: undefined, durability: undefined }).catch((e: unknown) => e);
    expect((err as DomainError).code).toBe("VERSION_CONFLICT");
    expect((await store.read("r")).version).toBe(9);
  });

  it("applies the first plan when only pure appends came between (no expected_version)", async () => {
    const { store, handlers } = await setup();
    store.appendsOnly = true;
    store.interruptions = 1;
    const res = await handlers.compactHistory(request);
    expect(res.version).toBe(3);
    expect((await store.read("r")).entries.map((e) => e.content)).toEqual(["S", "d", "meanwhile 1"]);
    expect(res.compacted).toBe(3);
  });
});
