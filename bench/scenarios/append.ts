/**
 * 1. Append throughput and latency through the generated TypeScript client, at concurrency 1 and 50,
 * against a bare grpc-js echo server answering with a captured AppendMessagesResponse (same sizes both
 * ways), and against the Redis floor (append-6.lua through RedisStore, no gRPC). Rooms are pre-filled
 * to their window (100), so every append also trims: the steady state of a busy room.
 */
import { type Context, type Scenario, serviceEnv, size } from "../lib/context.js";
import { alternate, closedLoop, cpuPerOp, throughput, withCpu, type LoadResult } from "../lib/load.js";
import { cpuMs, Helper, ServiceProcess } from "../lib/processes.js";
import { floorStore, toEntry } from "../lib/redis-floor.js";
import { scriptTime } from "../lib/redis-stats.js";
import type { Figure } from "../lib/report.js";
import { appendRequest, benchMessage, newClient, pb, rpc } from "../lib/rpc.js";
import { summarize } from "../lib/stats.js";

const ROOMS = 100;
const room = (i: number) => `append-${i % ROOMS}`;
const S = "append";

export const appendScenario: Scenario = {
  name: S,
  title: "append throughput and latency (c=1, c=50) vs grpc-js echo and the Redis floor",
  async run(ctx: Context): Promise<Figure[]> {
    const service = await ServiceProcess.start(serviceEnv(ctx, S));
    const echo = await Helper.start<{ address: string }, never>("baselines/echo-server.ts");
    const svcClient = newClient(service.address);
    const echoClient = newClient(echo.info.address);
    const floor = floorStore(ctx.redis.url, `bench:${S}`);
    try {
      const svc = rpc(svcClient);
      const bare = rpc(echoClient);
      // Fill every room to its window so that the measured appends run the trim, as a busy room does.
      for (let i = 0; i < ROOMS * 100; i += 50) await Promise.all(Array.from({ length: 50 }, (_, j) => svc.append(appendRequest(room(i + j), i + j))));
      const sample = await svc.append(appendRequest(room(0), 0));
      await echo.call("setReply", {
        method: "AppendMessages", base64: Buffer.from(pb.AppendMessagesResponse.encode(sample).finish()).toString("base64"),
      });
      const entries = [0, 1].map((i) => toEntry(benchMessage(i)));

      const figures: Figure[] = [];
      for (const concurrency of [1, 50]) {
        const bounds = { concurrency, durationMs: size(ctx, 3000, 1000), maxOps: 1_000_000 };
        let n = 0;
        const ops = {
          service: () => svc.append(appendRequest(room(n), n++)),
          echo: () => bare.append(appendRequest(room(n), n++)),
          floor: () => floor.append(room(n), [{ ...entries[n++ % 2] }]),
        };
        for (const op of Object.values(ops)) await closedLoop(op, { ...bounds, durationMs: 500 }); // warm-up (JIT, connections)
        const sides = {
          service: () => withCpu(service.pid, cpuMs, () => closedLoop(ops.service, bounds)),
          echo: () => withCpu(echo.pid, cpuMs, () => closedLoop(ops.echo, bounds)),
          floor: () => closedLoop(ops.floor, bounds),
        };
        ctx.log(`append c=${concurrency}: ${size(ctx, 3, 1)} alternating rounds of service, echo, floor`);
        const r = await alternate(sides, size(ctx, 3, 1));
        figures.push(...appendFigures(concurrency, r));
        ctx.details[`append_c${concurrency}`] = Object.fromEntries(
          Object.entries(r).map(([k, v]) => [k, { opsPerSecond: throughput(v), serverCpuUsPerOp: cpuPerOp(v), ...summarize(v.latencies) }]),
        );
      }
      figures.push(await trimCost(ctx, (roomId, i) => floor.append(roomId, [{ ...entries[i % 2] }])));
      return figures;
    } finally {
      svcClient.close();
      echoClient.close();
      await floor.close();
      await Promise.all([service.stop(), echo.stop()]);
    }
  },
};

function appendFigures(c: number, r: Record<"service" | "echo" | "floor", LoadResult>): Figure[] {
  const [svc, echo] = [summarize(r.service.latencies), summarize(r.echo.latencies)];
  const base = { scenario: S, baselineName: "grpc-js echo" };
  const figures: Figure[] = [
    { ...base, name: `append c=${c} throughput`, unit: "ops/s", service: throughput(r.service), baseline: throughput(r.echo),
      goal: { op: ">=", ratio: 0.85 },
      note: c === 1
        ? "at concurrency 1 every append waits for a Redis round trip and the script in series with the gRPC one; " +
          "compare with the 'vs echo + floor in series' row, the physical limit of a serial caller"
        : "the echo does no storage: the service adds a Redis round trip, append-6.lua (version check, trim, INCR, " +
          "SPUBLISH) and the server's Redis client work (server CPU per call); client, server and Redis share 2 " +
          "cores, so every µs added anywhere lowers throughput" },
    { ...base, name: `append c=${c} latency p50`, unit: "ms", service: svc.p50, baseline: echo.p50 },
    { ...base, name: `append c=${c} latency p99`, unit: "ms", service: svc.p99, baseline: echo.p99 },
    { ...base, name: `append c=${c} server CPU per call`, unit: "µs", service: cpuPerOp(r.service),
      baseline: cpuPerOp(r.echo), note: "CPU time of the server process (the echo server's for the baseline) per call" },
    { ...base, name: `append c=${c} throughput vs Redis floor`, unit: "ops/s", service: throughput(r.service),
      baseline: throughput(r.floor), baselineName: "append-6.lua via RedisStore" },
  ];
  if (c === 1) {
    // A serial caller pays both round trips: 1 / (1/echo + 1/floor) is what it can reach at best.
    const serial = 1 / (1 / throughput(r.echo) + 1 / throughput(r.floor));
    figures.push({ ...base, name: "append c=1 throughput vs echo + floor in series", unit: "ops/s",
      service: throughput(r.service), baseline: serial, baselineName: "1/(1/echo + 1/floor)" });
  }
  return figures;
}

/**
 * Redis time of append-6.lua per call (INFO commandstats) on a full room, where every append trims, and
 * on rooms under their limit: what the window trim costs inside Redis.
 */
async function trimCost(ctx: Context, append: (roomId: string, i: number) => Promise<unknown>): Promise<Figure> {
  const admin = ctx.redis.client();
  const perCall = { full: [0, 0], under: [0, 0] };
  let fresh = 0;
  try {
    for (let round = 0; round < 4; round++) {
      const kind = round % 2 === 0 ? "full" : "under";
      const before = await scriptTime(admin);
      await closedLoop((i) => append(kind === "full" ? room(i) : `append-under-${fresh++ % 20_000}`, i),
        { concurrency: 50, durationMs: 1000, maxOps: 5000 });
      const after = await scriptTime(admin);
      perCall[kind][0] += after.usec - before.usec;
      perCall[kind][1] += after.calls - before.calls;
    }
  } finally {
    admin.disconnect();
  }
  const [full, under] = [perCall.full[0] / perCall.full[1], perCall.under[0] / perCall.under[1]];
  ctx.details.append_script_usec_per_call = { fullWindow: full, underLimit: under };
  return { scenario: S, name: "append-6.lua time in Redis per call, full window", unit: "µs", service: full,
    baseline: under, baselineName: "same script, room under its limit",
    note: "at the limit every append runs trim_front (includes/trim.lua): LRANGE of the window's oldest entries and a " +
      "role match per entry, inside Redis's single thread" };
}
