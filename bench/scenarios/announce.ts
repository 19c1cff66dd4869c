/**
 * Room announcements' cost per write: append-6.lua through RedisStore (no gRPC) to rooms that exist
 * (an ordinary write: one HSETNX tells it is not a creation, nothing is published) and to new rooms
 * (each append creates its room and PUBLISHes one announcement), with an announcement subscriber
 * attached (RedisFeed.followAnnouncements) so the PUBLISH has a receiver to write to. Measured as
 * Redis script time per call (INFO commandstats) and as throughput at concurrency 50.
 */
import type { Redis } from "ioredis";
import { type Context, type Scenario, size } from "../lib/context.js";
import { closedLoop, throughput } from "../lib/load.js";
import { floorStore, toEntry } from "../lib/redis-floor.js";
import { scriptTime } from "../lib/redis-stats.js";
import type { Figure } from "../lib/report.js";
import { benchMessage } from "../lib/rpc.js";

const S = "announce";
// Enough existing rooms that none reaches its window (100) and trims: both sides append under the limit.
const ROOMS = 5000;

export const announceScenario: Scenario = {
  name: S,
  title: "cost per write of room announcements: appends to existing rooms vs appends that create rooms",
  async run(ctx: Context): Promise<Figure[]> {
    const store = floorStore(ctx.redis.url, `bench:${S}`);
    const admin = ctx.redis.client();
    let received = 0;
    store.feed.setListener({ change: () => undefined, resubscribed: () => undefined, announced: () => void received++ });
    await store.feed.followAnnouncements();
    const entry = toEntry(benchMessage(0));
    let fresh = 0;
    const ops = {
      existing: (i: number) => store.append(`ann-old-${i % ROOMS}`, [{ ...entry }]),
      creating: () => store.append(`ann-new-${fresh++}`, [{ ...entry }]),
    };
    try {
      await closedLoop((i) => ops.existing(i), { concurrency: 50, durationMs: 60_000, maxOps: ROOMS }); // the existing rooms
      const acc = { existing: { usec: 0, calls: 0, ops: 0, s: 0 }, creating: { usec: 0, calls: 0, ops: 0, s: 0 } };
      const bounds = { concurrency: 50, durationMs: size(ctx, 2000, 700), maxOps: 40 * ROOMS };
      for (const kind of ["existing", "creating"] as const) await closedLoop(ops[kind], { ...bounds, durationMs: 300 });
      const receivedBefore = received;
      const publishBefore = await publishTime(admin);
      for (let round = 0; round < size(ctx, 6, 2); round++) {
        const kind = round % 2 === 0 ? "existing" : "creating";
        const before = await scriptTime(admin);
        const r = await closedLoop(ops[kind], bounds);
        const after = await scriptTime(admin);
        Object.assign(acc[kind], { usec: acc[kind].usec + after.usec - before.usec, calls: acc[kind].calls + after.calls - before.calls,
          ops: acc[kind].ops + r.ops, s: acc[kind].s + r.seconds });
      }
      await store.feed.barrier(); // every announcement published so far has been delivered
      const publishAfter = await publishTime(admin);
      const publishUsec = (publishAfter.usec - publishBefore.usec) / Math.max(1, publishAfter.calls - publishBefore.calls);
      const perCall = (k: keyof typeof acc) => acc[k].usec / acc[k].calls;
      const rate = (k: keyof typeof acc) => throughput({ ops: acc[k].ops, seconds: acc[k].s, latencies: [] });
      ctx.details.announce = {
        scriptUsecPerCall: { existing: perCall("existing"), creating: perCall("creating") },
        opsPerSecond: { existing: rate("existing"), creating: rate("creating") },
        publishUsecPerCall: publishUsec, publishCalls: publishAfter.calls - publishBefore.calls,
        creatingAppends: acc.creating.ops, announcementsReceived: received - receivedBefore,
      };
      const base = { scenario: S, baselineName: "append to an existing room" };
      return [
        { ...base, name: "append-6.lua time in Redis per call, creating the room", unit: "µs",
          service: perCall("creating"), baseline: perCall("existing"),
          note: "a creating append also sets the room's meta hash and indexes and PUBLISHes one announcement; an " +
            "ordinary append publishes none (its only announcement work is the HSETNX that tells it is not new)" },
        { scenario: S, name: "announcement PUBLISH time in Redis per creating append", unit: "µs",
          service: publishUsec, baseline: perCall("creating"), baselineName: "the whole creating append-6.lua call",
          note: "INFO commandstats' PUBLISH row (called from the scripts), one subscriber attached: the announcement's own share" },
        { ...base, name: "append c=50 throughput via RedisStore, creating the room", unit: "ops/s",
          service: rate("creating"), baseline: rate("existing") },
        { scenario: S, name: "announcements received per creating append", unit: "",
          service: (received - receivedBefore) / acc.creating.ops, baseline: 1, baselineName: "one per creation" },
      ];
    } finally {
      await store.feed.unfollowAnnouncements();
      admin.disconnect();
      await store.close();
    }
  },
};

/** Calls and total µs of PUBLISH (INFO commandstats counts the commands scripts call). */
async function publishTime(redis: Redis): Promise<{ calls: number; usec: number }> {
  const m = /^cmdstat_publish:calls=(\d+),usec=(\d+)/m.exec(await redis.info("commandstats"));
  return { calls: Number(m?.[1] ?? 0), usec: Number(m?.[2] ?? 0) };
}
