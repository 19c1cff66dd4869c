import { nowMs } from "./stats.js";

/** What a closed-loop run measured: completed operations, elapsed time and every latency (ms). */
export interface LoadResult {
  ops: number;
  seconds: number;
  latencies: number[];
  /** CPU time the server process used during the run, when measured (withCpu). */
  cpuMs?: number;
}

export interface LoadBounds {
  concurrency: number;
  /** Stop starting operations after this long. */
  durationMs: number;
  /** ... or after this many, whichever comes first. */
  maxOps: number;
}

/** Runs `op` from `concurrency` loops, each starting the next operation when the previous ends. */
export async function closedLoop(op: (i: number) => Promise<unknown>, b: LoadBounds): Promise<LoadResult> {
  const latencies: number[] = [];
  let started = 0;
  const start = nowMs();
  const end = start + b.durationMs;
  const loop = async () => {
    while (started < b.maxOps && nowMs() < end) {
      const i = started++;
      const t0 = nowMs();
      await op(i);
      latencies.push(nowMs() - t0);
    }
  };
  await Promise.all(Array.from({ length: b.concurrency }, loop));
  return { ops: latencies.length, seconds: (nowMs() - start) / 1000, latencies };
}

export function merge(results: readonly LoadResult[]): LoadResult {
  const cpu = results.every((r) => r.cpuMs !== undefined) ? results.reduce((a, r) => a + r.cpuMs!, 0) : undefined;
  return {
    ops: results.reduce((a, r) => a + r.ops, 0),
    seconds: results.reduce((a, r) => a + r.seconds, 0),
    latencies: results.flatMap((r) => r.latencies),
    cpuMs: cpu,
  };
}

export const throughput = (r: LoadResult) => r.ops / r.seconds;

/** Server CPU per operation in µs, when measured. */
export const cpuPerOp = (r: LoadResult) => (r.cpuMs === undefined ? null : (r.cpuMs * 1000) / r.ops);

/** Runs `run` and records the CPU time process `pid` used meanwhile (clock-tick resolution: 10 ms). */
export async function withCpu(pid: number, cpu: (pid: number) => number, run: () => Promise<LoadResult>): Promise<LoadResult> {
  const before = cpu(pid);
  const r = await run();
  return { ...r, cpuMs: cpu(pid) - before };
}

/**
 * Runs every side `rounds` times, alternating: A B C, then C B A, ... so slow drift on a noisy
 * machine (another process, a GC, CPU frequency) falls on every side alike. Results are pooled.
 */
export async function alternate<K extends string>(
  sides: Record<K, () => Promise<LoadResult>>,
  rounds: number,
): Promise<Record<K, LoadResult>> {
  const names = Object.keys(sides) as K[];
  const runs = Object.fromEntries(names.map((n) => [n, [] as LoadResult[]])) as Record<K, LoadResult[]>;
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? names : [...names].reverse();
    for (const name of order) runs[name].push(await sides[name]());
  }
  return Object.fromEntries(names.map((n) => [n, merge(runs[n])])) as Record<K, LoadResult>;
}
