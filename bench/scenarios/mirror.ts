/**
 * 5. Mirror reads: RoomMirror.getMessages (clients/ts: the window kept in memory by one watch) versus
 * asking the service (RoomHistoryClient.getHistory) and versus reading Redis directly (LRANGE of the
 * room's list + JSON.parse of every entry, what the legacy manager does), for one 100-message window,
 * one caller at a time.
 */
import { RoomHistoryClient, RoomMirror } from "@roomhistory/client";
import { KeySpace } from "../../src/store/keys.js";
import { type Context, type Scenario, serviceEnv, size } from "../lib/context.js";
import { alternate, closedLoop, throughput, type LoadResult } from "../lib/load.js";
import { ServiceProcess } from "../lib/processes.js";
import type { Figure } from "../lib/report.js";
import { appendRequest } from "../lib/rpc.js";
import { summarize } from "../lib/stats.js";

const S = "mirror";
const ROOM = "mirror-window";
const WINDOW = 100;

export const mirrorScenario: Scenario = {
  name: S,
  title: "RoomMirror.getMessages vs GetHistory vs LRANGE + JSON.parse (100-message window)",
  async run(ctx: Context): Promise<Figure[]> {
    const service = await ServiceProcess.start(serviceEnv(ctx, S));
    const client = new RoomHistoryClient(service.address);
    const redis = ctx.redis.client();
    let mirror: RoomMirror | undefined;
    try {
      for (let i = 0; i < WINDOW; i++) await client.appendMessages(appendRequest(ROOM, i));
      mirror = new RoomMirror(client, [ROOM]);
      await mirror.ready();
      const m = mirror;
      const listKey = new KeySpace({ prefix: `bench:${S}`, hashTag: true }).room(ROOM).list;
      const ops = {
        mirror: () => m.getMessages(ROOM),
        getHistory: () => client.getHistory({ roomId: ROOM }),
        lrange: async () => (await redis.lrange(listKey, 0, -1)).map((raw) => JSON.parse(raw) as unknown),
      };
      const check = [(await ops.mirror()).length, (await ops.getHistory()).messages.length, (await ops.lrange()).length];
      if (check.some((n) => n !== WINDOW)) throw new Error(`windows differ: mirror, GetHistory, LRANGE = ${check.join(", ")}`);
      const bounds = { concurrency: 1, durationMs: size(ctx, 2000, 700), maxOps: 500_000 };
      for (const op of Object.values(ops)) await closedLoop(op, { ...bounds, durationMs: 300 });
      ctx.log(`${size(ctx, 3, 1)} alternating rounds of mirror, GetHistory, LRANGE + JSON.parse`);
      const r = await alternate({
        mirror: () => closedLoop(ops.mirror, bounds),
        getHistory: () => closedLoop(ops.getHistory, bounds),
        lrange: () => closedLoop(ops.lrange, bounds),
      }, size(ctx, 3, 1));
      ctx.details.mirror = Object.fromEntries(Object.entries(r).map(([k, v]) =>
        [k, { opsPerSecond: throughput(v), ...summarize(v.latencies) }]));
      return mirrorFigures(r);
    } finally {
      mirror?.close();
      client.close();
      redis.disconnect();
      await service.stop();
    }
  },
};

function mirrorFigures(r: Record<"mirror" | "getHistory" | "lrange", LoadResult>): Figure[] {
  const lat = (x: LoadResult) => summarize(x.latencies).p50;
  const base = { scenario: S };
  return [
    { ...base, name: "mirror read throughput vs GetHistory", unit: "reads/s", service: throughput(r.mirror),
      baseline: throughput(r.getHistory), baselineName: "GetHistory (RoomHistoryClient)" },
    { ...base, name: "mirror read latency p50 vs GetHistory", unit: "ms", service: lat(r.mirror), baseline: lat(r.getHistory),
      baselineName: "GetHistory (RoomHistoryClient)" },
    { ...base, name: "mirror read throughput vs LRANGE + JSON.parse", unit: "reads/s", service: throughput(r.mirror),
      baseline: throughput(r.lrange), baselineName: "ioredis LRANGE + JSON.parse" },
    { ...base, name: "mirror read latency p50 vs LRANGE + JSON.parse", unit: "ms", service: lat(r.mirror), baseline: lat(r.lrange),
      baselineName: "ioredis LRANGE + JSON.parse" },
  ];
}
