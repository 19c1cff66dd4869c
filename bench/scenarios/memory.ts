/**
 * 6. Memory: the server's resident memory (VmRSS of its process) idle, with 10,000 open watch streams
 * (1,000 rooms, 10 streams each, from a separate watcher process), and after 100,000 rooms were
 * written (one append each). Each measurement uses a fresh server, so one does not inherit the other's
 * heap. Per-stream cost is also compared with the bare fan-out server holding the same streams.
 */
import { type Context, type Scenario, serviceEnv, size } from "../lib/context.js";
import { Helper, rssKiB, ServiceProcess } from "../lib/processes.js";
import type { Figure } from "../lib/report.js";
import { appendRequest, newClient, rpc } from "../lib/rpc.js";
import { sleep } from "../lib/stats.js";
import type { OpenArgs, WatcherEvent } from "../workers/watchers.js";

const S = "memory";
const SETTLE_MS = 2000;
const MiB = (kib: number) => kib / 1024;

export const memoryScenario: Scenario = {
  name: S,
  title: "server RSS: idle, with 10,000 watch streams, after 100,000 rooms written",
  async run(ctx: Context): Promise<Figure[]> {
    const streams = size(ctx, 10_000, 2_000);
    const rooms = size(ctx, 100_000, 10_000);
    const watchers = await Helper.start<unknown, WatcherEvent>("workers/watchers.ts");
    try {
      const svcStreams = await withStreams(ctx, watchers, "service", streams);
      const bareStreams = await withStreams(ctx, watchers, "bare", streams);
      const written = await afterWrites(ctx, rooms);
      ctx.details.memory = { streams, rooms, svcStreams, bareStreams, written };
      const n = (x: number) => x.toLocaleString("en-US");
      const perStream = (m: { idle: number; loaded: number }) => (m.loaded - m.idle) / streams;
      return [
        { scenario: S, name: `server RSS with ${n(streams)} watch streams`, unit: "MiB", service: MiB(svcStreams.loaded),
          baseline: MiB(svcStreams.idle), baselineName: "idle server RSS" },
        { scenario: S, name: "server memory per watch stream", unit: "KiB", service: perStream(svcStreams),
          baseline: perStream(bareStreams), baselineName: "bare fan-out server, same streams" },
        { scenario: S, name: `server RSS after ${n(rooms)} rooms written`, unit: "MiB", service: MiB(written.loaded),
          baseline: MiB(written.idle), baselineName: "idle server RSS" },
        { scenario: S, name: "server memory growth per room, second half of the writes", unit: "KiB",
          service: (written.loaded - written.half) / (rooms / 2), baseline: null, baselineName: "",
          note: "(RSS after all rooms − RSS after half) / (rooms / 2): retained per-room state would show here; " +
            "the jump from idle to the first half is heap the collector has not returned" },
      ];
    } finally {
      await watchers.stop();
    }
  },
};

/** RSS (KiB) of a fresh server idle, then holding `count` streams over count/10 rooms. */
async function withStreams(ctx: Context, watchers: Helper<unknown, WatcherEvent>, kind: "service" | "bare", count: number) {
  const server = kind === "service"
    ? await ServiceProcess.start(serviceEnv(ctx, S))
    : await Helper.start<{ address: string }, never>("baselines/fanout-server.ts", { BENCH_REDIS_URL: ctx.redis.url });
  const address = server instanceof ServiceProcess ? server.address : server.info.address;
  try {
    await sleep(SETTLE_MS);
    const idle = rssKiB(server.pid);
    const rooms = Array.from({ length: count }, (_, i) => `mem-${i % Math.max(1, count / 10)}`);
    ctx.log(`${kind}: idle ${MiB(idle).toFixed(1)} MiB; opening ${count} streams`);
    await watchers.call("open", { target: kind, address, rooms, connections: 20, mode: "last" } satisfies OpenArgs);
    await sleep(SETTLE_MS);
    const loaded = rssKiB(server.pid);
    ctx.log(`${kind}: ${MiB(loaded).toFixed(1)} MiB with ${count} streams`);
    await watchers.call("close", { target: kind });
    return { idle, loaded };
  } finally {
    await server.stop();
  }
}

/** RSS (KiB) of a fresh server idle, after one append to each of half the rooms, and after all of them. */
async function afterWrites(ctx: Context, rooms: number) {
  const server = await ServiceProcess.start(serviceEnv(ctx, S));
  const client = newClient(server.address);
  try {
    await sleep(SETTLE_MS);
    const idle = rssKiB(server.pid);
    const append = rpc(client).append;
    ctx.log(`writing ${rooms} rooms (one append each, 50 at a time)`);
    let next = 0;
    const writeUpTo = (end: number) => Promise.all(Array.from({ length: 50 }, async () => {
      while (next < end) {
        const i = next++;
        await append(appendRequest(`room-${i}`, i));
      }
    }));
    await writeUpTo(rooms / 2);
    await sleep(SETTLE_MS);
    const half = rssKiB(server.pid);
    await writeUpTo(rooms);
    await sleep(SETTLE_MS);
    const loaded = rssKiB(server.pid);
    ctx.log(`${MiB(half).toFixed(1)} MiB after ${rooms / 2} rooms, ${MiB(loaded).toFixed(1)} MiB after ${rooms}`);
    return { idle, half, loaded };
  } finally {
    client.close();
    await server.stop();
  }
}
