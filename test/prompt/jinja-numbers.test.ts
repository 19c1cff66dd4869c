import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, expect, it } from "vitest";
import { PromptTemplates } from "../../src/prompt/templates.js";
import { renderWithJinja2 } from "./jinja2.js";

/**
 * Numbers print as Python prints them: 2,000 random values (halves, tiny and huge floats, integers) through
 * printing, round (ties to even, floats stay floats), division, floor division and tojson, compared with
 * Jinja2 in one run.
 */
const TEMPLATE = `{% for x in xs %}{{ x }}|{{ x | round(2) }}|{{ x | round }}|{{ x / 7 }}|{{ x // 3 }}|{{ x * 1.0 }}|{{ x | tojson }}
{% endfor %}`;

const dir = mkdtempSync(path.join(tmpdir(), "rh-numbers-"));
writeFileSync(path.join(dir, "numbers.j2"), TEMPLATE);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("prints, rounds and divides numbers byte for byte as Jinja2 does", () => {
  const number = fc.oneof(
    fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer({ min: -1000, max: 1000 }).map((n) => n / 8), // exact halves and eighths: rounding ties
    fc.integer({ min: -1e9, max: 1e9 }),
    // JSON gives Python an int for an integral number, exact at any size; JavaScript's stop at 2^53 (README).
  ).filter((x) => !Object.is(x, -0) && (!Number.isInteger(x) || Number.isSafeInteger(x)));
  const xs = fc.sample(number, { numRuns: 2000, seed: 42 });
  const [j2] = Object.values(renderWithJinja2(dir, [{ name: "numbers.j2", context: { xs } }])) as { text: string }[];
  const ours = new PromptTemplates(dir, "numbers.j2").render("", { xs });
  const theirs = j2.text.split("\n"), mine = ours.split("\n");
  const firstDiff = theirs.findIndex((line, i) => line !== mine[i]);
  expect(firstDiff === -1 ? "" : `${xs[firstDiff]}: ${mine[firstDiff]} vs Jinja2 ${theirs[firstDiff]}`).toBe("");
  expect(ours).toBe(j2.text);
});
