import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, expect, it } from "vitest";
import { PromptTemplates } from "../../src/prompt/templates.js";
import { renderWithJinja2 } from "./jinja2.js";

/**
 * String filters and methods on 1,000 random strings (spaces, tabs, newlines, accents, emoji, quotes),
 * compared with Jinja2 one expression at a time, so a failure names the expression and the string.
 */
const EXPRESSIONS = [
  "s", "s | truncate(10)", "s | truncate(8, true)", "s | indent(2)", "s | indent(2, true, true)", "s | title",
  "s.title()", "s | capitalize", "s | wordcount", "s | center(12)", "s | trim", "s.strip()", "s.lstrip()",
  "s.rstrip()", "s.split()", "s.split(' ')", "s.split(' ', 1)", "s.upper()", "s.lower()", "s.replace('a', '_')",
  "s.startswith('a')", "s.endswith(' ')", "s[:3]", "s[-2:]", "s[::-1]", "s | length", "s | tojson", "[s]", "{'k': s}",
  "s | replace(' ', '')", "s | list | length", "s | reverse", "s.splitlines()", "s ~ 1", "s * 2", "s | first",
];
const SEP = "\u0002";
const TEMPLATE = `{% for s in strs %}${EXPRESSIONS.map((e) => `{{ ${e} }}`).join(SEP)}${SEP}{% endfor %}`;

const dir = mkdtempSync(path.join(tmpdir(), "rh-strings-"));
writeFileSync(path.join(dir, "strings.j2"), TEMPLATE);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("renders string filters and methods byte for byte as Jinja2 does", () => {
  const char = fc.constantFrom(...Array.from("aAbZz09 .,-'\"\t\nÉéßçñ🙂€("), "\r\n");
  const strs = fc.sample(fc.array(char, { minLength: 1, maxLength: 24 }).map((c) => c.join("")), { numRuns: 1000, seed: 7 });
  const [j2] = Object.values(renderWithJinja2(dir, [{ name: "strings.j2", context: { strs } }])) as { text: string }[];
  const ours = new PromptTemplates(dir, "strings.j2").render("", { strs });
  const theirs = j2.text.split(SEP), mine = ours.split(SEP);
  const i = theirs.findIndex((v, k) => v !== mine[k]);
  const what = i < 0 ? "" : `${EXPRESSIONS[i % EXPRESSIONS.length]} of ${JSON.stringify(strs[Math.floor(i / EXPRESSIONS.length)])}: ` +
    `${JSON.stringify(mine[i])}, Jinja2 ${JSON.stringify(theirs[i])}`;
  expect(what).toBe("");
});
