/**
 * Helper process: workers that follow rooms by polling, as the legacy ConversationManager's
 * ensure_fresh_from_redis does: every `intervalMs` each worker GETs its room's `:ver` key and notices a
 * change when the value moved. Workers share a few ioredis connections (no auto-pipelining: one GET,
 * one command). Noticed changes go to the bench stamped on the system-wide monotonic clock.
 */
import { Redis } from "ioredis";
import { serveParent } from "../lib/processes.js";
import { nowMs } from "../lib/stats.js";
import { ArrivalBatcher } from "./batch.js";

export interface PollArgs {
  target: string;
  redisUrl: string;
  /** One entry per worker: the room it follows and that room's version key. */
  rooms: string[];
  versionKeys: string[];
  intervalMs: number;
  connections: number;
}

let running: { timers: NodeJS.Timeout[]; redis: Redis[]; batcher: ArrivalBatcher; polls: number } | undefined;

async function start(args: PollArgs): Promise<void> {
  const redis = Array.from({ length: args.connections }, () => new Redis(args.redisUrl));
  const batcher = new ArrivalBatcher(args.target);
  const state = { timers: [] as NodeJS.Timeout[], redis, batcher, polls: 0 };
  running = state;
  const initial = await Promise.all(args.versionKeys.map((k, i) => redis[i % redis.length].get(k)));
  args.versionKeys.forEach((key, i) => {
    const conn = redis[i % redis.length];
    let seen = Number(initial[i] ?? 0);
    let busy = false;
    const poll = () => {
      if (busy) return; // a slow GET delays the next poll, as a synchronous worker would
      busy = true;
      state.polls++;
      conn.get(key).then((v) => {
        busy = false;
        const version = Number(v ?? 0);
        if (version > seen) {
          seen = version;
          batcher.add([args.rooms[i], version, nowMs(), i]);
        }
      }, () => (busy = false));
    };
    // Workers start at random phases, as independent processes would.
    const first = setTimeout(() => {
      if (running !== state) return;
      poll();
      state.timers.push(setInterval(poll, args.intervalMs));
    }, Math.random() * args.intervalMs);
    state.timers.push(first);
  });
}

async function stop(): Promise<{ polls: number }> {
  if (!running) return { polls: 0 };
  const { timers, redis, batcher, polls } = running;
  running = undefined;
  timers.forEach((t) => clearInterval(t));
  batcher.flush();
  await Promise.all(redis.map((r) => r.quit()));
  return { polls };
}

serveParent({ start, stop }, { pid: process.pid });
