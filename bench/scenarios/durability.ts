/**
 * 8. The cost of a durable append: AppendMessages asking for one replica's acknowledgement (Redis WAIT 1
 * after the script, `durability: { replicas: 1, timeout_ms: 100 }`) against the same append without it,
 * on one server, against the bench's Redis with one replica attached (its own redis-server, loopback),
 * at concurrency 1 and 50, in alternating rounds.
 */
import { TestRedis } from "../../test/helpers/redis.js";
import { waitFor } from "../../test/helpers/ports.js";
import { type Context, type Scenario, serviceEnv, size } from "../lib/context.js";
import { alternate, closedLoop, cpuPerOp, throughput, withCpu } from "../lib/load.js";
import { cpuMs, ServiceProcess } from "../lib/processes.js";
import type { Figure } from "../lib/report.js";
import { appendRequest, newClient, pb, rpc } from "../lib/rpc.js";
import { summarize } from "../lib/stats.js";

const ROOMS = 100;
const S = "durability";
const room = (i: number) => `durable-${i % ROOMS}`;

export const durabilityScenario: Scenario = {
  name: S,
  title: "durable appends (WAIT 1, one replica) vs plain appends, c=1 and c=50",
  async run(ctx: Context): Promise<Figure[]> {
    const replica = await TestRedis.start(["--replicaof", "127.0.0.1", String(ctx.redis.port)]);
    const service = await ServiceProcess.start(serviceEnv(ctx, S));
    const client = newClient(service.address);
    const admin = replica.client();
    try {
      await waitFor(async () => (await admin.info("replication")).includes("master_link_status:up"), 30_000, "the replica's link");
      const svc = rpc(client);
      const durable = pb.Durability.fromPartial({ replicas: 1, timeoutMs: 100 });
      let n = 0;
      const ops = {
        durable: () => svc.append({ ...appendRequest(room(n), n++), durability: durable }),
        plain: () => svc.append(appendRequest(room(n), n++)),
      };
      const figures: Figure[] = [];
      for (const concurrency of [1, 50]) {
        const bounds = { concurrency, durationMs: size(ctx, 3000, 1000), maxOps: 1_000_000 };
        for (const op of Object.values(ops)) await closedLoop(op, { ...bounds, durationMs: 500 }); // warm-up
        ctx.log(`durability c=${concurrency}: ${size(ctx, 4, 2)} alternating rounds of durable and plain appends`);
        const r = await alternate({
          durable: () => withCpu(service.pid, cpuMs, () => closedLoop(ops.durable, bounds)),
          plain: () => withCpu(service.pid, cpuMs, () => closedLoop(ops.plain, bounds)),
        }, size(ctx, 4, 2));
        const [d, p] = [summarize(r.durable.latencies), summarize(r.plain.latencies)];
        const base = { scenario: S, baselineName: "plain append, same server" };
        figures.push(
          { ...base, name: `durable append c=${concurrency} throughput`, unit: "ops/s", service: throughput(r.durable),
            baseline: throughput(r.plain),
            note: "WAIT 1 100 after the script, on the same connection: each durable append waits for the replica's " +
              "acknowledgement of the replication stream (one more round trip primary → replica → primary)" },
          { ...base, name: `durable append c=${concurrency} latency p50`, unit: "ms", service: d.p50, baseline: p.p50 },
          { ...base, name: `durable append c=${concurrency} latency p99`, unit: "ms", service: d.p99, baseline: p.p99 },
          { ...base, name: `durable append c=${concurrency} server CPU per call`, unit: "µs", service: cpuPerOp(r.durable),
            baseline: cpuPerOp(r.plain) },
        );
        ctx.details[`durability_c${concurrency}`] = {
          durable: { opsPerSecond: throughput(r.durable), ...d }, plain: { opsPerSecond: throughput(r.plain), ...p },
        };
      }
      return figures;
    } finally {
      admin.disconnect();
      client.close();
      await service.stop();
      await replica.stop();
    }
  },
};
