import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, expect, it } from "vitest";
import { PromptTemplates } from "../../src/prompt/templates.js";
import { renderWithJinja2 } from "./jinja2.js";

/**
 * Differential fuzzing: 1,500 random expressions (operators, filters, tests, conditionals over ints,
 * floats, strings, lists, dicts, None and booleans), each in its own template, rendered by Jinja2 and by
 * PromptTemplates in one run. Each must render the same text, or fail on both sides. Left out, as listed
 * in README "Jinja2 compatibility": `reverse` printed directly (a Python iterator's repr), ordering and
 * min/max/sort/unique of lists and dicts.
 */
const ATOMS = ["n", "f", "s", "e", "xs", "d", "none", "t", "fl", "users", "0", "2", "-1", "1.5", "'ab'", "''", "[]",
  "[1, 'x']", "True", "None", "d.a", "xs[0]", "users[-1].name", "s[1:]", "(1, 'x')"];
const OPERATORS = ["+", "-", "*", "/", "//", "%", "~", "==", "!=", "<", ">=", "and", "or", "in", "not in"];
const FILTERS = ["length", "string", "upper", "lower", "first", "last", "list", "round", "int", "float", "abs",
  "tojson", "join(',')", "default('D')", "default('D', true)", "trim", "capitalize", "title", "count", "sum",
  "select | list", "map('string') | list", "dictsort", "items | list", "truncate(5)", "indent(1)", "center(6)",
  "wordcount", "replace('a', 'b')", "batch(2) | list", "slice(2) | list", "e", "format(1)"];
const TESTS = ["defined", "none", "string", "number", "integer", "float", "mapping", "sequence", "iterable", "odd",
  "even", "divisibleby 2", "true", "false", "boolean", "lower", "upper", "in xs"];
const CONTEXT = { n: 7, f: 2.5, s: "Hello World", e: "", xs: [3, 1, 2], d: { a: 1, b: "two" }, none: null, t: true,
  fl: 0.1, users: [{ name: "ana" }, { name: "bob" }] };

const expression: fc.Arbitrary<string> = fc.letrec((tie) => ({
  e: fc.oneof({ depthSize: "small" },
    fc.constantFrom(...ATOMS),
    fc.tuple(tie("e"), fc.constantFrom(...OPERATORS), tie("e")).map(([a, o, b]) => `(${a} ${o} ${b})`),
    fc.tuple(tie("e"), fc.constantFrom(...FILTERS)).map(([a, f]) => `(${a} | ${f})`),
    fc.tuple(tie("e"), fc.constantFrom(...TESTS)).map(([a, t]) => `(${a} is ${t})`),
    fc.tuple(tie("e"), tie("e"), tie("e")).map(([a, b, c]) => `(${a} if ${b} else ${c})`),
    tie("e").map((a) => `(not ${a})`),
  ),
})).e;

const dir = mkdtempSync(path.join(tmpdir(), "rh-fuzz-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("renders 1,500 random expressions as Jinja2 does, or fails where Jinja2 fails", () => {
  const expressions = fc.sample(expression, { numRuns: 1500, seed: 20261122 });
  const jobs = expressions.map((x, i) => {
    writeFileSync(path.join(dir, `x${i}.j2`), `{{ ${x} }}`);
    return { name: `x${i}.j2`, context: CONTEXT };
  });
  const expected = renderWithJinja2(dir, jobs);
  const templates = new PromptTemplates(dir, "x0.j2");
  const differences = jobs.flatMap(({ name }, i) => {
    let ours: string;
    try {
      ours = templates.render(name, structuredClone(CONTEXT));
    } catch (err) {
      return "error" in expected[name] ? [] : [`${expressions[i]}: failed (${(err as Error).message}), Jinja2 renders it`];
    }
    const theirs = expected[name];
    if ("text" in theirs) return theirs.text === ours ? [] : [`${expressions[i]}: ${JSON.stringify(ours)}, Jinja2 ${JSON.stringify(theirs.text)}`];
    return [`${expressions[i]}: ${JSON.stringify(ours)}, Jinja2 fails (${theirs.error})`];
  });
  expect(differences).toEqual([]);
});
