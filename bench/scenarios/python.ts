/**
 * 7. Python: append and read (100-message window) throughput through the Python client (clients/python,
 * run with .venv/bin/python) versus a Python baseline writing the same messages straight to Redis
 * (RPUSH/LTRIM/EXPIRE in one pipeline) and reading them with LRANGE + json.loads. bench/python/bench.py
 * runs the alternating plan in one process; the roomhistory server runs as its own process.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { type Context, type Scenario, serviceEnv, size } from "../lib/context.js";
import { merge, throughput, type LoadResult } from "../lib/load.js";
import { ROOT, ServiceProcess } from "../lib/processes.js";
import type { Figure } from "../lib/report.js";
import { summarize } from "../lib/stats.js";

const S = "python";
const PYTHON = `${ROOT}.venv/bin/python`;
type Side = "service" | "redis";
type Op = "append" | "read";

export const pythonScenario: Scenario = {
  name: S,
  title: "Python client append/read vs redis-py RPUSH/LTRIM/EXPIRE pipeline and LRANGE",
  async run(ctx: Context): Promise<Figure[]> {
    const missing = pythonMissing();
    if (missing) return skipped(missing);
    ensureRedisPy(ctx);
    const service = await ServiceProcess.start(serviceEnv(ctx, S));
    try {
      const rounds = size(ctx, 3, 1);
      const plan: string[] = [];
      for (let r = 0; r < rounds; r++) {
        for (const op of ["append", "read"] as const) {
          const sides: Side[] = r % 2 === 0 ? ["service", "redis"] : ["redis", "service"];
          plan.push(...sides.map((s) => `${s}:${op}`));
        }
      }
      ctx.log(`python: ${rounds} alternating rounds of service and redis-py, append and read`);
      const runs = await runPlan(ctx, service.address, plan, size(ctx, 2.5, 1));
      const pooled = (side: Side, op: Op) => merge(runs.filter((x) => x.side === side && x.op === op));
      const r = {
        append: { service: pooled("service", "append"), redis: pooled("redis", "append") },
        read: { service: pooled("service", "read"), redis: pooled("redis", "read") },
      };
      ctx.details.python = Object.fromEntries(Object.entries(r).map(([op, sides]) => [op, Object.fromEntries(
        Object.entries(sides).map(([side, v]) => [side, { opsPerSecond: throughput(v), ...summarize(v.latencies) }]))]));
      return pythonFigures(r);
    } finally {
      await service.stop();
    }
  },
};

function pythonMissing(): string | undefined {
  if (!existsSync(PYTHON)) return "python client not installed (run npm test once)";
  const probe = spawnSync(PYTHON, ["-c", "import roomhistory; roomhistory.RoomHistoryClient"], { encoding: "utf8" });
  return probe.status === 0 ? undefined : "python client not installed (run npm test once)";
}

/** redis-py is the baseline's only dependency; install the pinned version into .venv when missing. */
function ensureRedisPy(ctx: Context): void {
  if (spawnSync(PYTHON, ["-c", "import redis"]).status === 0) return;
  ctx.log("redis-py (the Python baseline's client) is missing: pip install -q -r bench/python/requirements.txt into .venv");
  const pip = spawnSync(PYTHON, ["-m", "pip", "install", "-q", "--disable-pip-version-check", "-r", "bench/python/requirements.txt"],
    { cwd: ROOT, stdio: "inherit" });
  if (pip.status !== 0) throw new Error("pip install -r bench/python/requirements.txt failed");
}

interface PyRun extends LoadResult { side: Side; op: Op }

async function runPlan(ctx: Context, address: string, plan: string[], seconds: number): Promise<PyRun[]> {
  const args = ["bench/python/bench.py", "--address", address, "--redis-url", ctx.redis.url, "--prefix", `bench:${S}:plain`,
    "--seconds", String(seconds), "--plan", plan.join(",")];
  const proc = spawn(PYTHON, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  proc.stdout.on("data", (d: Buffer) => (out += d.toString()));
  proc.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve) => proc.once("exit", resolve));
  if (code !== 0) throw new Error(`bench/python/bench.py exited ${code}: ${err.slice(-2000)}`);
  return out.trim().split("\n").map((line) => {
    const r = JSON.parse(line) as { side: Side; op: Op; ops: number; seconds: number; latencies_ms: number[] };
    return { side: r.side, op: r.op, ops: r.ops, seconds: r.seconds, latencies: r.latencies_ms };
  });
}

function pythonFigures(r: Record<Op, Record<Side, LoadResult>>): Figure[] {
  const figures: Figure[] = [];
  for (const op of ["append", "read"] as const) {
    const baselineName = op === "append" ? "redis-py RPUSH/LTRIM/EXPIRE pipeline" : "redis-py LRANGE + json.loads";
    const what = op === "append" ? "append" : "read (100-message window)";
    const [svc, base] = [summarize(r[op].service.latencies), summarize(r[op].redis.latencies)];
    figures.push(
      { scenario: S, name: `Python ${what} throughput`, unit: "ops/s", service: throughput(r[op].service),
        baseline: throughput(r[op].redis), baselineName },
      { scenario: S, name: `Python ${what} latency p50`, unit: "ms", service: svc.p50, baseline: base.p50, baselineName },
    );
  }
  return figures;
}

function skipped(reason: string): Figure[] {
  return ["append throughput", "read (100-message window) throughput"].map((what) => ({
    scenario: S, name: `Python ${what}`, unit: "ops/s", service: null, baseline: null, baselineName: "", skipped: reason,
  }));
}
