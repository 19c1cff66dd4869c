/**
 * The README's benchmark section, generated from bench/results/latest.md: a full `npm run bench` rewrites
 * it between the markers, and test/unit/bench-readme.test.ts fails when the README and latest.md differ.
 * Nothing in the section is written by hand, so no sentence there can outlive the numbers it describes.
 */
import { readFileSync, writeFileSync } from "node:fs";

export const BEGIN = "<!-- bench:begin (generated from bench/results/latest.md by bench/lib/readme-section.ts) -->";
export const END = "<!-- bench:end -->";

/** latest.md as a README subsection: a summary of the goals, then the run, the table and the notes. */
export function benchSection(latestMd: string): string {
  const lines = latestMd.trimEnd().split("\n");
  const body = lines[0].startsWith("# ") ? lines.slice(1) : lines;
  return [summary(lines), ...body.map((l) => (l.startsWith("## ") ? `#${l}` : l))].join("\n").trim();
}

/** One sentence from the table's "met?" column: how many goals the run met and which it missed. */
function summary(lines: string[]): string {
  const rows = lines.filter((l) => l.startsWith("| ") && !l.startsWith("| figure") && !l.startsWith("| ---"));
  const cells = rows.map((l) => l.split("|").slice(1, -1).map((c) => c.trim()));
  const withGoal = cells.filter((c) => c[6] === "yes" || c[6] === "NO");
  const missed = withGoal.filter((c) => c[6] === "NO").map((c) => c[0]);
  const met = withGoal.length - missed.length;
  if (missed.length === 0) return `The last full run met all ${withGoal.length} of its goals.`;
  return `The last full run met ${met} of its ${withGoal.length} goals; short of goal (the notes say why): ` +
    `${missed.join("; ")}.`;
}

/** The README with its section between the markers replaced. */
export function withBenchSection(readme: string, section: string): string {
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md has no "${BEGIN}" ... "${END}" markers`);
  return `${readme.slice(0, start + BEGIN.length)}\n\n${section}\n\n${readme.slice(end)}`;
}

/** Rewrites README.md's benchmark section from bench/results/latest.md (paths relative to the repository root). */
export function updateReadme(root: string): void {
  const readme = readFileSync(`${root}/README.md`, "utf8");
  const latest = readFileSync(`${root}/bench/results/latest.md`, "utf8");
  const updated = withBenchSection(readme, benchSection(latest));
  if (updated !== readme) writeFileSync(`${root}/README.md`, updated);
}
