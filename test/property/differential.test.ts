/**
 * Differential properties (issue 8, "Proof"): random operation sequences applied to the memory store
 * (the model) and to the Redis store in both key layouts must answer alike, hold alike and publish
 * alike after every step. fast-check prints the seed and the shrunk counterexample of a failure;
 * replay one with `{ seed, path }` in the fc.assert options.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import type { StoreOptions } from "../../src/store/store.js";
import { TestRedis } from "../helpers/redis.js";
import {
  apply, changesArrived, expectRejected, memorySubject, observe, redisSubject, remember, restrict, RunState, sameChanges,
  type Subject,
} from "./harness.js";
import { expiryOp, quickOp, scenario, type Op } from "./ops.js";

let redis: TestRedis;
beforeAll(async () => {
  redis = await TestRedis.start();
});
afterAll(async () => redis?.stop());

// Small windows, so that a few appends trim (the service clamps limits to [50, 1000]; the stores do not).
const LIMITS = [2, 3, 5];
/** PROPERTY_RUNS=10 runs ten times as many cases; the default keeps the file well under a minute. */
const RUNS = Number(process.env.PROPERTY_RUNS ?? 1);
// Events of about 300 bytes carry their entries, larger ones omit them.
const BASE: StoreOptions = { defaultLimit: 4, ttlSeconds: 3600, maxEventBytes: 300 };

/**
 * Steps after a wait must end well inside one second, so that no one-second retention runs out between
 * the stores' turns at one step; a run that got slower than this (a loaded machine) stops early.
 */
const TIMED_WINDOW_MS = 600;

/** Runs one scenario on all three stores, comparing after every step; the model is subjects[0]. */
async function run(options: StoreOptions, rooms: string[], ops: Op[], timed = false): Promise<void> {
  const subjects: Subject[] = [memorySubject(options), redisSubject(redis, options, true), redisSubject(redis, options, false)];
  const [model, ...others] = subjects;
  try {
    await Promise.all(subjects.flatMap((s) => rooms.map((r) => s.store.feed.subscribe(r))));
    const state = new RunState();
    let window = Date.now();
    for (const [step, op] of ops.entries()) {
      const roomId = "room" in op ? rooms[op.room % rooms.length] : undefined;
      if (op.t === "wait") {
        await new Promise((r) => setTimeout(r, 1200));
        window = Date.now();
      } else if (timed && Date.now() - window > TIMED_WINDOW_MS) return;
      // A legacy writer only touches rooms that were written (a legacy-only room is outside ListRooms' contract).
      if (op.t === "foreign" && (await model.store.versions([roomId!]))[0] === 0) continue;
      const version = roomId === undefined ? 0 : (await model.store.versions([roomId]))[0];
      const results: unknown[] = [];
      for (const s of subjects) {
        if (op.t === "foreign" && !s.accepts(roomId!)) results.push(undefined);
        else results.push(await apply(s, op, rooms, state, version));
      }
      remember(op, rooms, state, results[0]);
      const at = `step ${step} ${JSON.stringify(op)}`;
      for (const [i, s] of others.entries()) {
        if (roomId !== undefined && !s.accepts(roomId)) {
          if (op.t !== "foreign") expectRejected(s, results[i + 1]);
          continue;
        }
        expect(results[i + 1], `${s.name} result, ${at}`).toEqual(restrictResult(op, results[0], s));
      }
      await new Promise((r) => setImmediate(r));
      const seen = await observe(model, rooms);
      for (const s of others) {
        const expected = model.changes.filter((c) => s.accepts(c.roomId));
        await changesArrived(s, expected.length);
        const { got, want } = sameChanges(s.changes, expected);
        expect(got, `${s.name} changes, ${at}`).toEqual(want);
        expect(await observe(s, rooms), `${s.name} state, ${at}`).toEqual(restrict(seen, s));
      }
    }
  } finally {
    await Promise.all(subjects.map((s) => s.store.close()));
  }
}

/** The model's answer as a store that rejects some room ids gives it (a reap lists only its rooms). */
function restrictResult(op: Op, result: unknown, s: Subject): unknown {
  if (op.t !== "reap" || typeof result !== "object" || result === null || !("roomIds" in result)) return result;
  const r = result as { roomIds: string[] };
  return { ...r, roomIds: r.roomIds.filter((id) => s.accepts(id)) };
}

describe("memory and Redis stores (both layouts) agree", () => {
  it("on random operations, odd ids and legacy writes, after every step", async () => {
    await fc.assert(
      fc.asyncProperty(scenario(quickOp(LIMITS), 24), ({ rooms, ops }) => run(BASE, rooms, ops)),
      { numRuns: 200 * RUNS },
    );
  }, 120_000);

  it("on expiry: by retention at write time, by the reaper, by idle time; tombstones forgotten", async () => {
    const withWaits = scenario(expiryOp(LIMITS), 7).filter(({ ops }) => ops.filter((o) => o.t === "wait").length <= 2);
    // A tombstone kept one second: a room deleted or expired before a wait is forgotten (version 0 again,
    // the one exception to "versions only go up"), in every store at once.
    const tombstoneTtlSeconds = fc.constantFrom(1, 3600);
    await fc.assert(
      fc.asyncProperty(withWaits, tombstoneTtlSeconds, ({ rooms, ops }, tomb) =>
        run({ ...BASE, ttlSeconds: 1, tombstoneTtlSeconds: tomb }, rooms, ops, true)),
      { numRuns: 12 * RUNS },
    );
  }, 120_000);
});
