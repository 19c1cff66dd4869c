/**
 * `npm run bench [-- --quick] [-- --only name[,name]]`: runs the benchmark scenarios against a
 * redis-server and servers this run starts itself (loopback only), prints one table of figures with
 * the baseline measured side by side and their ratio, and writes bench/results/latest.{json,md}.
 * Not a test: nothing here asserts, and vitest never picks it up (its include is test/**\/*.test.ts).
 */
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { TestRedis } from "../test/helpers/redis.js";
import type { Context, Scenario } from "./lib/context.js";
import { machine, shortfalls, textTable, toRow, writeReport, type Figure } from "./lib/report.js";
import { updateReadme } from "./lib/readme-section.js";
import { nowMs } from "./lib/stats.js";
import { CPU_PROF_ENV } from "./lib/processes.js";
import { appendScenario } from "./scenarios/append.js";
import { readScenario } from "./scenarios/read.js";
import { renderBudgetScenario } from "./scenarios/render-budget.js";
import { freshnessScenario } from "./scenarios/freshness.js";
import { pollingScenario } from "./scenarios/polling.js";
import { mirrorScenario } from "./scenarios/mirror.js";
import { memoryScenario } from "./scenarios/memory.js";
import { pythonScenario } from "./scenarios/python.js";
import { durabilityScenario } from "./scenarios/durability.js";
import { largeScenario } from "./scenarios/large.js";
import { trustScenario } from "./scenarios/trust.js";
import { agentScenario } from "./scenarios/agent.js";
import { transferScenario } from "./scenarios/transfer.js";
import { announceScenario } from "./scenarios/announce.js";

const SCENARIOS: Scenario[] = [
  appendScenario, readScenario, renderBudgetScenario, freshnessScenario, pollingScenario, mirrorScenario, memoryScenario,
  pythonScenario, durabilityScenario, largeScenario, trustScenario, agentScenario, transferScenario, announceScenario,
];

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    "cpu-prof": { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (values.help) {
  console.log(`usage: npm run bench [-- --quick] [-- --only <name>[,<name>]] [-- --cpu-prof <dir>]\n` +
    `  --cpu-prof: every roomhistory server writes a V8 CPU profile into <dir> (read: bench/lib/profile-summary.ts)\n` +
    `scenarios:\n${
    SCENARIOS.map((s) => `  ${s.name.padEnd(10)} ${s.title}`).join("\n")}`);
  process.exit(0);
}
const only = values.only?.split(",").map((s) => s.trim()).filter(Boolean);
const unknown = only?.filter((n) => !SCENARIOS.some((s) => s.name === n));
if (unknown?.length) {
  console.error(`unknown scenario(s): ${unknown.join(", ")}; known: ${SCENARIOS.map((s) => s.name).join(", ")}`);
  process.exit(2);
}
const selected = SCENARIOS.filter((s) => !only || only.includes(s.name));
if (values["cpu-prof"]) process.env[CPU_PROF_ENV] = path.resolve(values["cpu-prof"]);

const started = nowMs();
const startLoad = Math.round(os.loadavg()[0] * 100) / 100;
const redis = await TestRedis.start(["--maxmemory", "4gb"]);
const admin = redis.client();
const figures: Figure[] = [];
const ctx: Context = {
  quick: values.quick,
  redis,
  log: (m) => console.log(`  [${((nowMs() - started) / 1000).toFixed(0).padStart(4)} s] ${m}`),
  details: {},
  notes: [],
};

try {
  for (const scenario of selected) {
    console.log(`\n== ${scenario.name}: ${scenario.title}`);
    await admin.flushall();
    const t0 = nowMs();
    try {
      figures.push(...(await scenario.run(ctx)));
    } catch (err) {
      console.error(err);
      figures.push({ scenario: scenario.name, name: scenario.name, unit: "", service: null, baseline: null,
        baselineName: "", skipped: `failed: ${(err as Error).message.split("\n")[0]}` });
    }
    ctx.log(`${scenario.name} done in ${((nowMs() - t0) / 1000).toFixed(0)} s`);
  }
} finally {
  admin.disconnect();
  await redis.stop();
}

const rows = figures.map(toRow);
const notes = [...ctx.notes, ...shortfalls(rows).map((s) => `Short of goal: ${s}`)];
const m = machine(startLoad);
console.log(`\nroomhistory benchmarks — ${m.nproc} cores, ${m.memoryGiB} GiB, Node ${m.node}${values.quick ? " (quick)" : ""}, ` +
  `load average ${m.loadAverage.start} → ${m.loadAverage.end}\n`);
console.log(textTable(rows));
if (notes.length) console.log(`\n${notes.map((n) => `- ${n}`).join("\n")}`);

const resultsDir = fileURLToPath(new URL("./results", import.meta.url));
// Only a full run of every scenario replaces latest.{json,md}; quick, --only and profiled runs go to partial/.
const profiled = values["cpu-prof"] !== undefined;
const partial = values.quick || only !== undefined || profiled;
const dir = partial ? `${resultsDir}/partial` : resultsDir;
const mode = [values.quick ? "quick" : "full", ...(only ? [`only ${only.join(",")}`] : []), ...(profiled ? ["profiled"] : [])]
  .join(", ");
writeReport(dir, {
  date: new Date().toISOString(), machine: m, mode, durationSeconds: (nowMs() - started) / 1000, rows, notes,
  details: ctx.details,
});
console.log(`\nwritten: ${dir}/latest.json, ${dir}/latest.md`);
if (!partial) {
  updateReadme(fileURLToPath(new URL("..", import.meta.url)));
  console.log("written: README.md (its Benchmarks section, from latest.md)");
}
process.exit(0);
