import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { benchSection, withBenchSection } from "../../bench/lib/readme-section.js";

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");

it("README.md's benchmark section is bench/results/latest.md as bench/lib/readme-section.ts renders it", () => {
  const readme = read("README.md");
  const expected = withBenchSection(readme, benchSection(read("bench/results/latest.md")));
  // On a mismatch: a full `npm run bench` rewrites both; or run
  //   npx tsx -e 'import("./bench/lib/readme-section.ts").then((m) => m.updateReadme("."))'
  expect(readme).toBe(expected);
});
