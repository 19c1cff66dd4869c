/**
 * 4. Watch versus polling: 1,000 workers follow 100 rooms (10 workers a room, one room each). Polling:
 * each worker GETs its room's `:ver` key every 100 ms (the legacy ensure_fresh_from_redis). Watch: one
 * Watch stream per worker. Measured per mode: Redis commands per second (INFO commandstats deltas)
 * while idle and while the bench writes 20 appends/s through the service, and staleness, from an
 * append's acknowledgement to each following worker noticing it. Modes alternate over rounds.
 */
import type { Redis } from "ioredis";
import { KeySpace } from "../../src/store/keys.js";
import { type Context, type Scenario, serviceEnv, size } from "../lib/context.js";
import { Helper, ServiceProcess } from "../lib/processes.js";
import { commandCalls, commandRate } from "../lib/redis-stats.js";
import type { Figure } from "../lib/report.js";
import { appendRequest, newClient, rpc } from "../lib/rpc.js";
import { nowMs, sleep, summarize } from "../lib/stats.js";
import type { Arrival, EachEvent } from "../workers/batch.js";
import type { PollArgs } from "../workers/pollers.js";
import type { OpenArgs, WatcherEvent } from "../workers/watchers.js";

const S = "polling";
const WORKERS = 1000;
const ROOMS = 100;
const POLL_MS = 100;
const WRITES_PER_SECOND = 20;
type Mode = "polling" | "watch";
interface Ack { roomId: string; version: number; at: number }
interface Measured { idle: number[]; writing: number[]; stale: number[]; missed: number }

export const pollingScenario: Scenario = {
  name: S,
  title: "1,000 workers on 100 rooms: watch streams vs polling :ver every 100 ms (Redis load, staleness)",
  async run(ctx: Context): Promise<Figure[]> {
    const service = await ServiceProcess.start(serviceEnv(ctx, S));
    const watchers = await Helper.start<unknown, WatcherEvent>("workers/watchers.ts");
    const pollers = await Helper.start<unknown, EachEvent>("workers/pollers.ts");
    const admin = ctx.redis.client();
    const client = newClient(service.address);
    const arrivals = new Map<string, Arrival[]>();
    const collect = (e: WatcherEvent) => e.type === "each" && arrivals.set(e.target, [...(arrivals.get(e.target) ?? []), ...e.arrivals]);
    watchers.onEvent(collect);
    pollers.onEvent(collect);
    try {
      const append = rpc(client).append;
      const rooms = Array.from({ length: ROOMS }, (_, i) => `follow-${i}`);
      const workerRooms = Array.from({ length: WORKERS }, (_, i) => rooms[i % ROOMS]);
      for (const room of rooms) await append(appendRequest(room, 0));
      const keys = new KeySpace({ prefix: `bench:${S}`, hashTag: true });
      const results: Record<Mode, Measured> = {
        polling: { idle: [], writing: [], stale: [], missed: 0 }, watch: { idle: [], writing: [], stale: [], missed: 0 },
      };
      const idleMs = size(ctx, 4000, 2000);
      const writeMs = size(ctx, 6000, 3000);

      const phase = async (mode: Mode, target: string) => {
        if (mode === "polling") {
          await pollers.call("start", {
            target, redisUrl: ctx.redis.url, rooms: workerRooms, versionKeys: workerRooms.map((r) => keys.room(r).version),
            intervalMs: POLL_MS, connections: 10,
          } satisfies PollArgs);
        } else {
          await watchers.call("open", { target, address: service.address, rooms: workerRooms, connections: 10, mode: "each" } satisfies OpenArgs);
        }
        await sleep(1000); // every poller started, every stream created
        const idle = await measureRate(admin, () => sleep(idleMs));
        const acks: Ack[] = [];
        const writing = await measureRate(admin, () => writeAtRate(writeMs, async (k) => {
          const roomId = rooms[(k * 37) % ROOMS];
          const { version } = await append(appendRequest(roomId, k));
          acks.push({ roomId, version, at: nowMs() });
        }));
        await sleep(POLL_MS * 3); // the last writes reach the pollers
        if (mode === "polling") await pollers.call("stop");
        else await watchers.call("close", { target });
        await sleep(100);
        const { stale, missed } = staleness(acks, arrivals.get(target) ?? [], workerRooms);
        const m = results[mode];
        m.idle.push(idle);
        m.writing.push(writing);
        m.stale.push(...stale);
        m.missed += missed;
        ctx.log(`${mode}: idle ${idle.toFixed(0)} cmd/s, writing ${writing.toFixed(0)} cmd/s, ` +
          `staleness p50 ${summarize(stale).p50.toFixed(2)} ms (${acks.length} writes)`);
      };

      const rounds = size(ctx, 2, 1);
      for (let round = 0; round < rounds; round++) {
        const order: Mode[] = round % 2 === 0 ? ["polling", "watch"] : ["watch", "polling"];
        for (const mode of order) await phase(mode, `${mode}-${round}`);
      }
      for (const mode of ["polling", "watch"] as const) {
        if (results[mode].missed) ctx.notes.push(`${S}: ${results[mode].missed} (worker, write) pairs never noticed in ${mode} mode`);
      }
      ctx.details.polling = Object.fromEntries((["polling", "watch"] as const).map((m) =>
        [m, { idleCommandsPerSecond: results[m].idle, writingCommandsPerSecond: results[m].writing,
          staleness: summarize(results[m].stale), missed: results[m].missed }]));
      return pollingFigures(results);
    } finally {
      client.close();
      admin.disconnect();
      await Promise.all([watchers.stop(), pollers.stop(), service.stop()]);
    }
  },
};

/** Redis commands per second while `during` runs. */
async function measureRate(admin: Redis, during: () => Promise<void>): Promise<number> {
  const before = await commandCalls(admin);
  const t0 = nowMs();
  await during();
  const seconds = (nowMs() - t0) / 1000;
  return commandRate(before, await commandCalls(admin), seconds).perSecond;
}

/** Calls `write(k)` WRITES_PER_SECOND times a second, on schedule, for `durationMs`. */
async function writeAtRate(durationMs: number, write: (k: number) => Promise<void>): Promise<void> {
  const start = nowMs();
  const period = 1000 / WRITES_PER_SECOND;
  const pending: Promise<void>[] = [];
  for (let k = 0; k * period < durationMs; k++) {
    const wait = start + k * period - nowMs();
    if (wait > 0) await sleep(wait);
    pending.push(write(k));
  }
  await Promise.all(pending);
}

/** Per (following worker, write): time from the write's ack to the worker's first notice of that version or later. */
function staleness(acks: Ack[], arrivals: Arrival[], workerRooms: string[]): { stale: number[]; missed: number } {
  const byWorker = new Map<number, Arrival[]>();
  for (const a of arrivals) byWorker.set(a[3], [...(byWorker.get(a[3]) ?? []), a]);
  const acksByRoom = new Map<string, Ack[]>();
  for (const a of acks) acksByRoom.set(a.roomId, [...(acksByRoom.get(a.roomId) ?? []), a]);
  const stale: number[] = [];
  let missed = 0;
  workerRooms.forEach((room, w) => {
    const seen = (byWorker.get(w) ?? []).sort((x, y) => x[2] - y[2]);
    for (const ack of acksByRoom.get(room) ?? []) {
      const first = seen.find((a) => a[1] >= ack.version);
      if (first) stale.push(Math.max(0, first[2] - ack.at));
      else missed++;
    }
  });
  return { stale, missed };
}

function pollingFigures(r: Record<Mode, Measured>): Figure[] {
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const [watch, poll] = [summarize(r.watch.stale), summarize(r.polling.stale)];
  const base = { scenario: S, baselineName: "polling :ver every 100 ms" };
  return [
    { ...base, name: "Redis commands/s, 1,000 workers idle", unit: "cmd/s", service: mean(r.watch.idle),
      baseline: mean(r.polling.idle), goal: { op: "<=", ratio: 0 },
      note: "none of it is the workers': it is the server's reaper, one ZRANGEBYSCORE a second per server process " +
        "looking for rooms past their retention (ROOMHISTORY_REAP_INTERVAL_MS; 0 turns it off), whatever the number of watchers" },
    { ...base, name: `Redis commands/s, 1,000 workers, ${WRITES_PER_SECOND} appends/s`, unit: "cmd/s",
      service: mean(r.watch.writing), baseline: mean(r.polling.writing),
      note: "commands run inside the append script count too (about 10 per append)" },
    { ...base, name: "staleness (write ack → worker notices) p50", unit: "ms", service: watch.p50, baseline: poll.p50,
      goal: { op: "<=", ratio: 0.05 } },
    { ...base, name: "staleness (write ack → worker notices) p99", unit: "ms", service: watch.p99, baseline: poll.p99,
      goal: { op: "<=", ratio: 0.05 } },
  ];
}
