/**
 * Conformance of the render settings (issue 10) for every HistoryStore: SetRoomRenderDefaults is a
 * mutation (one version, one RENDER_DEFAULTS change, compare-and-set), ReportUsage is not (no version,
 * no change) and both stores compute the very same calibration; clear keeps both, delete and expiry
 * drop them; the token count an entry is written or edited with is kept. Run by redis.test.ts (both key
 * layouts) and memory.test.ts.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Entry } from "../../src/domain/entry.js";
import { DomainError } from "../../src/domain/errors.js";
import { addUsageReport, calibrationOf, NO_USAGE, type UsageSums } from "../../src/store/calibration.js";
import type { HistoryStore, StoreChange, StoreOptions } from "../../src/store/store.js";
import type { StoreFactory, StoreFixture } from "./suite.js";

const OPTIONS: StoreOptions = { defaultLimit: 100, ttlSeconds: 0, maxEventBytes: 64 * 1024 };
const NONE = { template: "", context: undefined, encoding: "", calibration: 1, samples: 0 };

let n = 0;
const user = (extra: Partial<Entry> = {}): Entry => ({ role: "user", content: `m${++n}`, id: `id-${n}`, ...extra });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

/** Resolves once `changes` holds `count` entries (the Redis feed delivers asynchronously). */
async function arrived(changes: StoreChange[], count: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while (changes.length < count && Date.now() < deadline) await sleep(2);
}

export function renderDefaultsConformance(name: string, factory: StoreFactory): void {
  describe(`${name} store render defaults conformance`, () => {
    const fixtures: StoreFixture[] = [];
    const open = async (options: Partial<StoreOptions> = {}) => {
      const fx = await factory({ ...OPTIONS, ...options });
      fixtures.push(fx);
      return fx.store;
    };
    afterEach(async () => {
      await Promise.all(fixtures.splice(0).map((fx) => fx.close()));
    });

    it("sets render defaults as one mutation: one version, one RENDER_DEFAULTS change, all three replaced", async () => {
      const store = await open();
      expect((await store.read("d")).renderDefaults).toEqual(NONE);
      await store.append("d", [user()]);
      const changes = await recorder(store, "d");
      const context = { room_name: "Lobby", tools: [{ name: "search" }], nested: { a: 1, b: null } };
      expect(await store.setRenderDefaults("d", { template: "other.j2", context, encoding: "cl100k_base" }))
        .toEqual({ version: 2 });
      const snap = await store.read("d");
      expect(snap.version).toBe(2);
      expect(snap.entries).toHaveLength(1);
      expect(snap.renderDefaults).toEqual({ template: "other.j2", context, encoding: "cl100k_base", calibration: 1, samples: 0 });
      // Replaces all three: what is left out returns to the server's default.
      expect(await store.setRenderDefaults("d", { template: "", encoding: "" }, { expectedVersion: 2 })).toEqual({ version: 3 });
      expect((await store.read("d")).renderDefaults).toEqual(NONE);
      await arrived(changes, 2);
      expect(changes.map((c) => [c.kind, c.previousVersion, c.version, c.entries.length, c.trimmed]))
        .toEqual([["render_defaults", 1, 2, 0, 0], ["render_defaults", 2, 3, 0, 0]]);
    });

    it("refuses a stale expected_version with the current version and changes nothing", async () => {
      const store = await open();
      await store.append("c", [user()]);
      const err = await rejection(store.setRenderDefaults("c", { template: "x.j2", encoding: "" }, { expectedVersion: 7 }));
      expect(err.code).toBe("VERSION_CONFLICT");
      expect(err.metadata.current_version).toBe("1");
      const snap = await store.read("c");
      expect([snap.version, snap.renderDefaults]).toEqual([1, NONE]);
    });

    it("reports usage without a version or a change, with the same calibration in every store", async () => {
      const store = await open();
      await store.append("u", [user()]);
      const changes = await recorder(store, "u");
      const before = await store.read("u");
      // The first report: 120 counted for an estimate of 100.
      expect(await store.reportUsage("u", { inputTokens: 120, estimatedTokens: 100 })).toEqual({ calibration: 1.2, samples: 1 });
      // The next render's estimate is already calibrated (120 for a raw 100): divided back before it is added.
      expect(await store.reportUsage("u", { inputTokens: 120, estimatedTokens: 120 })).toEqual({ calibration: 1.2, samples: 2 });
      let sums: UsageSums = addUsageReport(addUsageReport(NO_USAGE, { inputTokens: 120, estimatedTokens: 100 }),
        { inputTokens: 120, estimatedTokens: 120 });
      for (const [input, estimate] of [[301, 257], [77, 91], [1_000_003, 999_999], [5, 3]]) {
        sums = addUsageReport(sums, { inputTokens: input, estimatedTokens: estimate });
        expect(await store.reportUsage("u", { inputTokens: input, estimatedTokens: estimate }))
          .toEqual({ calibration: calibrationOf(sums.input, sums.estimate), samples: sums.samples });
      }
      // Only checks the room: nothing added.
      expect(await store.reportUsage("u")).toEqual({ calibration: calibrationOf(sums.input, sums.estimate), samples: 6 });
      const after = await store.read("u");
      expect(after.version).toBe(before.version);
      expect(after.entries).toEqual(before.entries);
      expect(after.renderDefaults).toEqual({ ...NONE, calibration: calibrationOf(sums.input, sums.estimate), samples: 6 });
      await store.append("u", [user()]); // a change that does arrive, after any the reports could have made
      await arrived(changes, 1);
      expect(changes.map((c) => c.kind)).toEqual(["append"]);
    });

    it("computes the very same doubles as the rule in calibration.ts over many random reports", async () => {
      const store = await open();
      await store.append("rand", [user()]);
      let seed = 12345; // xorshift32: the same sequence on every run
      const next = (max: number) => {
        seed ^= seed << 13;
        seed ^= seed >>> 17;
        seed ^= seed << 5;
        return 1 + ((seed >>> 0) % max);
      };
      let sums: UsageSums = NO_USAGE;
      for (let i = 0; i < 200; i++) {
        // Mostly ratios near 1, sometimes far off (the clamp), counts from 1 to 200,000.
        const estimate = next(200_000);
        const input = i % 17 === 0 ? next(800_000) : Math.max(1, Math.round(estimate * (0.5 + next(1000) / 1000)));
        sums = addUsageReport(sums, { inputTokens: input, estimatedTokens: estimate });
        const got = await store.reportUsage("rand", { inputTokens: input, estimatedTokens: estimate });
        expect(got).toEqual({ calibration: calibrationOf(sums.input, sums.estimate), samples: sums.samples });
      }
    });

    it("clamps the calibration to [0.25, 4]", async () => {
      const store = await open();
      await store.append("k", [user()]);
      expect(await store.reportUsage("k", { inputTokens: 1000, estimatedTokens: 10 })).toEqual({ calibration: 4, samples: 1 });
      await store.append("k2", [user()]);
      expect(await store.reportUsage("k2", { inputTokens: 1, estimatedTokens: 1000 })).toEqual({ calibration: 0.25, samples: 1 });
    });

    it("reports usage of a room never written, deleted or expired as NOT_FOUND", async () => {
      const store = await open();
      for (const report of [undefined, { inputTokens: 5, estimatedTokens: 5 }]) {
        expect((await rejection(store.reportUsage("never", report))).code).toBe("NOT_FOUND");
      }
      await store.append("gone", [user()]);
      await store.deleteRoom("gone");
      expect((await rejection(store.reportUsage("gone", { inputTokens: 5, estimatedTokens: 5 }))).code).toBe("NOT_FOUND");
      expect((await store.read("never")).exists).toBe(false);
    });

    it("keeps render defaults and calibration through a clear; a delete drops both", async () => {
      const store = await open();
      await store.append("k", [user()]);
      await store.setRenderDefaults("k", { template: "t.j2", context: { a: "b" }, encoding: "o200k_base" });
      await store.reportUsage("k", { inputTokens: 50, estimatedTokens: 40 });
      const kept = { template: "t.j2", context: { a: "b" }, encoding: "o200k_base", calibration: 1.25, samples: 1 };
      await store.clear("k");
      expect((await store.read("k")).renderDefaults).toEqual(kept);
      await store.deleteRoom("k");
      expect((await store.read("k")).renderDefaults).toEqual(NONE);
      await store.append("k", [user()]);
      expect((await store.read("k")).renderDefaults).toEqual(NONE);
    });

    it("drops render defaults and calibration when the room expires", async () => {
      const store = await open({ ttlSeconds: 1 });
      await store.append("x", [user()]);
      await store.setRenderDefaults("x", { template: "t.j2", encoding: "cl100k_base" });
      await store.reportUsage("x", { inputTokens: 50, estimatedTokens: 40 });
      await sleep(1200);
      expect((await rejection(store.reportUsage("x", { inputTokens: 5, estimatedTokens: 5 }))).code).toBe("NOT_FOUND");
      await store.append("x", [user()]);
      expect((await store.read("x")).renderDefaults).toEqual(NONE);
    });

    it("keeps an entry's token count; an edit stores the new one, deletions and reactions keep it", async () => {
      const store = await open();
      const [a, b] = (await store.append("t", [user({ tk: 7 }), user()])).entries;
      expect((await store.read("t")).entries.map((e) => e.tk)).toEqual([7, undefined]);
      const edited = await store.patchMessage("t", a.id!, { op: "update", content: "a longer text", tokens: 3 });
      expect(edited.entry.tk).toBe(3);
      expect((await store.patchMessage("t", a.id!, { op: "reactions", reactions: [{ emoji: "👍" }] })).entry.tk).toBe(3);
      expect((await store.patchMessage("t", a.id!, { op: "delete", deletedAt: "2026-11-22T00:00:00.000Z" })).entry.tk).toBe(3);
      // An edit without a count drops the old one rather than keep a wrong number.
      expect((await store.patchMessage("t", a.id!, { op: "update", content: "again" })).entry.tk).toBeUndefined();
      expect((await store.patchMessage("t", b.id!, { op: "update", content: "b", tokens: 1 })).entry.tk).toBe(1);
      const snap = await store.read("t");
      expect(snap.entries.map((e) => [e.content, e.tk])).toEqual([["again", undefined], ["b", 1]]);
    });
  });
}
