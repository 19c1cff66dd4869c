import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";

/** A goal on the ratio service / baseline: ">=" for throughput-like figures, "<=" for latency-like ones. */
export interface Goal {
  op: ">=" | "<=";
  ratio: number;
  /**
   * For "<=" goals on tiny times: also met when service <= baseline + slack (in the figure's unit), so
   * that a sub-millisecond difference between two near-zero times is not read as a 10× ratio.
   */
  slack?: number;
}

/** One row of the results: the service's figure, a baseline measured in the same run, their ratio. */
export interface Figure {
  scenario: string;
  name: string;
  unit: string;
  service: number | null;
  baseline: number | null;
  /** What the baseline is, e.g. "grpc-js echo". */
  baselineName: string;
  goal?: Goal;
  /** Why the row has no numbers (e.g. a client that is not installed). */
  skipped?: string;
  note?: string;
}

export interface Row extends Figure {
  ratio: number | null;
  met: boolean | null;
}

export function toRow(f: Figure): Row {
  // 0 / 0 (e.g. both arrive before the acknowledgement) is a tie: ratio 1.
  const tie = f.service === 0 && f.baseline === 0;
  const ratio = tie ? 1 : f.service !== null && f.baseline !== null && f.baseline !== 0 ? f.service / f.baseline : null;
  const withinSlack = f.goal?.slack !== undefined && f.service !== null && f.baseline !== null &&
    f.service <= f.baseline + f.goal.slack;
  const met = !f.goal || f.service === null || f.baseline === null ? null
    : withinSlack || (ratio !== null && (f.goal.op === ">=" ? ratio >= f.goal.ratio : ratio <= f.goal.ratio));
  return { ...f, ratio, met };
}

export interface Machine {
  nproc: number;
  /** 1-minute load average when the run started and when it ended: other work on the machine shows here. */
  loadAverage: { start: number; end?: number };
  memoryGiB: number;
  cpu: string;
  node: string;
  platform: string;
}

export function machine(startLoad: number): Machine {
  return {
    nproc: os.availableParallelism(),
    loadAverage: { start: startLoad, end: Math.round(os.loadavg()[0] * 100) / 100 },
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    cpu: os.cpus()[0]?.model ?? "unknown",
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

export function fmt(n: number | null, unit = ""): string {
  if (n === null || Number.isNaN(n)) return "–";
  const abs = Math.abs(n);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  const s = abs > 0 && abs < 0.01 ? n.toPrecision(2) : n.toLocaleString("en-US", { maximumFractionDigits: digits });
  return unit ? `${s} ${unit}` : s;
}

const goalText = (g?: Goal) => (g ? `${g.op} ${g.ratio}${g.slack ? ` or +${g.slack}` : ""}` : "");
const metText = (r: Row) => (r.skipped ? "skipped" : r.met === null ? "" : r.met ? "yes" : "NO");
const ratioText = (r: Row) => (r.ratio === null ? "–" : `${r.ratio.toFixed(r.ratio < 0.1 ? 4 : 2)}×`);

function cells(r: Row): string[] {
  const service = r.skipped ? `skipped: ${r.skipped}` : fmt(r.service, r.unit);
  return [r.name, service, fmt(r.baseline, r.unit), r.baselineName, ratioText(r), goalText(r.goal), metText(r)];
}

const HEADER = ["figure", "service", "baseline", "baseline is", "ratio", "goal", "met?"];

/** A plain-text table for the terminal. */
export function textTable(rows: readonly Row[]): string {
  const all = [HEADER, ...rows.map(cells)];
  const widths = HEADER.map((_, i) => Math.max(...all.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((s, i) => (i === 0 || i === 3 ? s.padEnd(widths[i]) : s.padStart(widths[i]))).join("  ");
  return [line(HEADER), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map((r) => line(cells(r)))].join("\n");
}

export function markdownTable(rows: readonly Row[]): string {
  const esc = (s: string) => s.replace(/\|/g, "\\|");
  return [
    `| ${HEADER.join(" | ")} |`,
    `|${HEADER.map((_, i) => (i === 0 || i === 3 ? " --- " : " ---: ")).join("|")}|`,
    ...rows.map((r) => `| ${cells(r).map(esc).join(" | ")} |`),
  ].join("\n");
}

/** The rows that missed their goal, each with its note: what the report must explain. */
export function shortfalls(rows: readonly Row[]): string[] {
  return rows
    .filter((r) => r.met === false)
    .map((r) => `${r.name}: ratio ${ratioText(r)}, goal ${goalText(r.goal)}${r.note ? ` — ${r.note}` : ""}`);
}

export interface Report {
  date: string;
  machine: Machine;
  mode: string;
  durationSeconds: number;
  rows: Row[];
  notes: string[];
  details: Record<string, unknown>;
}

export function writeReport(dir: string, report: Report): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/latest.json`, JSON.stringify(report, null, 2) + "\n");
  const m = report.machine;
  const md = [
    "# roomhistory benchmarks",
    "",
    `Run ${report.date} (${report.mode}, ${Math.round(report.durationSeconds)} s) on ${m.nproc} cores, ` +
      `${m.memoryGiB} GiB, ${m.cpu}, Node ${m.node}, ${m.platform}; 1-minute load average ${m.loadAverage.start} ` +
      `at the start, ${m.loadAverage.end} at the end. Produced by \`npm run bench\`; ` +
      "every ratio is service / baseline, both measured side by side in this run.",
    "",
    markdownTable(report.rows),
    "",
    ...(report.notes.length ? ["## Notes", "", ...report.notes.map((n) => `- ${n}`), ""] : []),
  ].join("\n");
  writeFileSync(`${dir}/latest.md`, md);
}
