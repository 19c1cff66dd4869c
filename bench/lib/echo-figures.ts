import { cpuPerOp, throughput, type LoadResult } from "./load.js";
import type { Figure } from "./report.js";
import { summarize } from "./stats.js";

export interface EchoFigureOptions {
  /** Goal and note of the throughput row. */
  throughput?: Pick<Figure, "goal" | "note">;
  /** The name of a "server CPU per call" row; no such row when unset. */
  cpuName?: string;
}

/**
 * The rows every read scenario reports against the grpc-js echo of the same bytes: throughput, p50 and
 * p99 latency under `label` (e.g. "GetHistory c=1"), and server CPU per call when asked.
 */
export function echoFigures(
  scenario: string, label: string, r: Record<"service" | "echo", LoadResult>, opts: EchoFigureOptions = {},
): Figure[] {
  const base = { scenario, baselineName: "grpc-js echo, same bytes" };
  const [svc, echo] = [summarize(r.service.latencies), summarize(r.echo.latencies)];
  const figures: Figure[] = [
    { ...base, name: `${label} throughput`, unit: "ops/s", service: throughput(r.service), baseline: throughput(r.echo),
      ...opts.throughput },
    { ...base, name: `${label} latency p50`, unit: "ms", service: svc.p50, baseline: echo.p50 },
    { ...base, name: `${label} latency p99`, unit: "ms", service: svc.p99, baseline: echo.p99 },
  ];
  if (opts.cpuName) {
    figures.push({ ...base, name: opts.cpuName, unit: "µs", service: cpuPerOp(r.service), baseline: cpuPerOp(r.echo) });
  }
  return figures;
}
