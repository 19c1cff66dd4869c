import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { DomainError } from "../../src/domain/errors.js";
import { PromptTemplates } from "../../src/prompt/templates.js";
import { renderWithJinja2 } from "./jinja2.js";

/**
 * What still differs fails loudly: INVALID_ARGUMENT naming the template, line and column, never a raw
 * JavaScript error. `jinja2` says whether real Jinja2 renders the template (a documented difference,
 * README "Jinja2 compatibility") or fails on it too.
 */
const CASES: { name: string; src: string; line: number; message: RegExp; jinja2: "renders" | "fails" }[] = [
  { name: "wordwrap.j2", src: "Notes:\n{{ text | wordwrap(10) }}", line: 2, message: /filter not found: wordwrap/, jinja2: "renders" },
  { name: "format-spec.j2", src: "{{ '{:>5}'.format(n) }}", line: 1, message: /format spec/, jinja2: "renders" },
  { name: "with.j2", src: "a\n\n{% with a = 1 %}{{ a }}{% endwith %}", line: 3, message: /unknown block tag: with/, jinja2: "renders" },
  { name: "exponent.j2", src: "x\n{{ 1e20 }}", line: 2, message: /exponents are not supported/, jinja2: "renders" },
  { name: "filtered-loop.j2", src: "{% for x in xs if x > 1 %}{{ loop.index }}{% endfor %}", line: 1, message: /filtered loop/, jinja2: "renders" },
  { name: "add.j2", src: "one\n{{ n + text }}", line: 2, message: /unsupported operand types for \+/, jinja2: "fails" },
  { name: "set-attr.j2", src: "{% set d = {} %}\n{% set d.x = 1 %}", line: 2, message: /non-namespace object/, jinja2: "fails" },
  { name: "undefined.j2", src: "a\nb\n{{ missing.method() }}", line: 3, message: /undefined value/, jinja2: "fails" },
  { name: "undefined-attr.j2", src: "{{ user.name.first }}", line: 1, message: /"first" of an undefined value/, jinja2: "fails" },
  { name: "compare.j2", src: "{% if text < n %}x{% endif %}", line: 1, message: /'<' not supported/, jinja2: "fails" },
  { name: "zero.j2", src: "{{ n / 0 }}", line: 1, message: /division by zero/, jinja2: "fails" },
  { name: "syntax.j2", src: "ok\n{% if %}", line: 2, message: /.+/, jinja2: "fails" },
];
const CONTEXT = { n: 3, text: "a long text to wrap", xs: [1, 2, 3], user: {} };

const dir = mkdtempSync(path.join(tmpdir(), "rh-unsupported-"));
for (const c of CASES) writeFileSync(path.join(dir, c.name), c.src);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it.each(CASES)("$name: INVALID_ARGUMENT with the template, line and column", ({ name, line, message }) => {
  const templates = new PromptTemplates(dir, name);
  let error: unknown;
  try {
    templates.render(name, structuredClone(CONTEXT));
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(DomainError);
  const text = (error as DomainError).message;
  expect((error as DomainError).code).toBe("INVALID_ARGUMENT");
  expect(text).toMatch(new RegExp(`^template: ${name.replace(".", "\\.")} line ${line}, column \\d+: `));
  expect(text).toMatch(message);
  expect(text).not.toMatch(/TypeError|Cannot read propert|is not a function|charAt/);
});

it("an error in an included template names both templates; a missing include says which", () => {
  writeFileSync(path.join(dir, "outer.j2"), "Intro\n{% include 'inner.j2' %}");
  writeFileSync(path.join(dir, "inner.j2"), "one\ntwo {{ user.name.first }}");
  writeFileSync(path.join(dir, "outer-missing.j2"), "{% include 'nowhere.j2' %}");
  const templates = new PromptTemplates(dir, "outer.j2");
  expect(() => templates.render("outer.j2", { user: {} })).toThrow(/^template: outer\.j2 \(in inner\.j2\) line 2, column \d+: cannot read "first"/);
  expect(() => templates.render("outer-missing.j2", {})).toThrow(/^template: outer-missing\.j2: the template "nowhere\.j2" it uses is not found$/);
  expect(() => templates.render("absent.j2", {})).toThrow(/^template: absent\.j2: template not found$/);
});

it("each case is one Jinja2 renders (a listed difference) or one it fails on too", () => {
  const results = renderWithJinja2(dir, CASES.map((c) => ({ name: c.name, context: CONTEXT })));
  for (const c of CASES) expect([c.name, "text" in results[c.name] ? "renders" : "fails"]).toEqual([c.name, c.jinja2]);
});
