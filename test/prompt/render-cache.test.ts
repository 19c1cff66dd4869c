import { mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { PromptTemplates, RELOAD_CHECK_MS } from "../../src/prompt/templates.js";
import { renderKey } from "../../src/prompt/render-cache.js";

/**
 * Rendered system prompts are reused for the same template and context, and never outlive a change
 * to a file they were rendered from, a SIGHUP, or a template whose output is not a function of both.
 */

const dirs: string[] = [];
const MTIME = 1_700_000_000;
function templatesDir(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "rh-render-cache-"));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) write(dir, name, text);
  return dir;
}

function write(dir: string, name: string, text: string): void {
  writeFileSync(path.join(dir, name), text);
  utimesSync(path.join(dir, name), MTIME, MTIME);
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

afterEach(() => {
  vi.useRealTimers();
});

describe("rendered-prompt cache", () => {
  it("answers the same template and context from the cache, a different context by rendering", () => {
    const t = new PromptTemplates(templatesDir({ "a.j2": "hi {{ name }} in {{ room_id }}" }), "a.j2");
    expect(t.render("", { name: "ana", room_id: "r1" })).toBe("hi ana in r1");
    expect(t.render("a.j2", { name: "ana", room_id: "r1" })).toBe("hi ana in r1");
    expect(t.cacheStats()).toMatchObject({ entries: 1, hits: 1, misses: 1 });
    expect(t.render("", { name: "bob", room_id: "r1" })).toBe("hi bob in r1");
    expect(t.cacheStats()).toMatchObject({ entries: 2, hits: 1, misses: 2 });
  });

  it("keys on the context's content, not the object: a caller's mutated context renders anew", () => {
    const t = new PromptTemplates(templatesDir({ "a.j2": "{{ tools | map(attribute='name') | join(',') }}" }), "a.j2");
    const ctx = { tools: [{ name: "x" }] };
    expect(t.render("", ctx)).toBe("x");
    ctx.tools.push({ name: "y" });
    expect(t.render("", ctx)).toBe("x,y");
  });

  it("keeps key order apart: items() iterates in the context's order", () => {
    const t = new PromptTemplates(templatesDir({ "a.j2": "{% for k, v in d.items() %}{{ k }}{% endfor %}" }), "a.j2");
    expect(t.render("", { d: { a: 1, b: 2 } })).toBe("ab");
    expect(t.render("", { d: { b: 2, a: 1 } })).toBe("ba");
  });

  it("drops a render when its template file changes (checked as compiled templates are)", () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const dir = templatesDir({ "a.j2": "one {{ x }}" });
    const t = new PromptTemplates(dir, "a.j2");
    expect(t.render("", { x: 1 })).toBe("one 1");
    writeFileSync(path.join(dir, "a.j2"), "two! {{ x }}");
    expect(t.render("", { x: 1 })).toBe("one 1"); // within the second, as without the cache
    vi.advanceTimersByTime(RELOAD_CHECK_MS);
    expect(t.render("", { x: 1 })).toBe("two! 1");
    expect(t.render("", { x: 1 })).toBe("two! 1");
    expect(t.cacheStats()).toMatchObject({ entries: 1, hits: 2, misses: 2 });
  });

  it("drops a render when a template it includes, imports or extends changes", () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const dir = templatesDir({
      "main.j2": "{% extends 'base.j2' %}{% import 'm.j2' as m %}{% block b %}{% include 'part.j2' %}{{ m.f() }}{% endblock %}",
      "base.j2": "<{% block b %}{% endblock %}>",
      "part.j2": "p1",
      "m.j2": "{% macro f() %}m1{% endmacro %}",
    });
    const t = new PromptTemplates(dir, "main.j2");
    expect(t.render("", {})).toBe("<p1m1>");
    for (const [file, text, expected] of [
      ["part.j2", "p2", "<p2m1>"], ["m.j2", "{% macro f() %}m2{% endmacro %}", "<p2m2>"], ["base.j2", "[{% block b %}{% endblock %}]", "[p2m2]"],
    ]) {
      writeFileSync(path.join(dir, file), text);
      vi.advanceTimersByTime(RELOAD_CHECK_MS);
      expect(t.render("", {})).toBe(expected);
      expect(t.render("", {})).toBe(expected);
    }
  });

  it("reloadAll (SIGHUP) empties the cache, so even a change no stat shows is rendered", () => {
    const dir = templatesDir({ "a.j2": "AAAA" });
    const t = new PromptTemplates(dir, "a.j2");
    expect(t.render("", {})).toBe("AAAA");
    const before = statSync(path.join(dir, "a.j2"));
    write(dir, "a.j2", "BBBB");
    expect(statSync(path.join(dir, "a.j2")).mtimeMs).toBe(before.mtimeMs);
    expect(t.render("", {})).toBe("AAAA");
    PromptTemplates.reloadAll();
    expect(t.cacheStats().entries).toBe(0);
    expect(t.render("", {})).toBe("BBBB");
  });

  it("does not keep a render that used the random filter", () => {
    const t = new PromptTemplates(templatesDir({ "a.j2": "{{ xs | random }}" }), "a.j2");
    const seen = new Set<string>();
    for (let i = 0; i < 200 && seen.size < 2; i++) seen.add(t.render("", { xs: ["a", "b", "c", "d"] }));
    expect(seen.size).toBeGreaterThan(1);
    expect(t.cacheStats()).toMatchObject({ entries: 0, hits: 0 });
  });

  it("does not keep a render that skipped a missing include, so the file is used once it exists", () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const dir = templatesDir({ "a.j2": "[{% include 'later.j2' ignore missing %}]" });
    const t = new PromptTemplates(dir, "a.j2");
    expect(t.render("", {})).toBe("[]");
    expect(t.cacheStats().entries).toBe(0);
    write(dir, "later.j2", "here");
    expect(t.render("", {})).toBe("[here]");
    expect(t.cacheStats().entries).toBe(1);
  });

  it("renders, without keeping, a context JSON cannot stand for", () => {
    const t = new PromptTemplates(templatesDir({ "a.j2": "{{ v }}" }), "a.j2");
    for (const v of [() => "f", undefined, -0, Number.NaN, new Date(0), Object.assign(new Array<number>(3), { 0: 1, 2: 3 })]) t.render("", { v });
    expect(t.cacheStats()).toMatchObject({ entries: 0, hits: 0, misses: 0 });
    expect(renderKey("a.j2", { v: { w: [1, "x", null, true, { z: 2.5 }] } })).toBe('a.j2\u0000{"v":{"w":[1,"x",null,true,{"z":2.5}]}}');
  });

  it("does not keep a failed render", () => {
    const t = new PromptTemplates(templatesDir({ "a.j2": "{{ x.y.z }}" }), "a.j2");
    expect(() => t.render("", {})).toThrow(/a\.j2/);
    expect(() => t.render("", {})).toThrow(/a\.j2/);
    expect(t.cacheStats()).toMatchObject({ entries: 0, hits: 0, misses: 2 });
  });

  it("stays within its byte bound, dropping the least recently used render first", () => {
    const cacheBytes = 64 * 1024;
    const t = new PromptTemplates(templatesDir({ "a.j2": "{{ 'x' * 1000 }}{{ n }}" }), "a.j2", cacheBytes);
    for (let n = 0; n < 100; n++) {
      t.render("", { n });
      t.render("", { n: 0 }); // kept in use: never the least recently used
    }
    const s = t.cacheStats();
    expect(s.bytes).toBeLessThanOrEqual(cacheBytes);
    expect(s.entries).toBeGreaterThan(10);
    expect(s.entries).toBeLessThan(100);
    const hits = s.hits;
    t.render("", { n: 0 });
    t.render("", { n: 1 }); // long since evicted
    expect(t.cacheStats().hits).toBe(hits + 1);
  });

  it("is off with a bound of 0", () => {
    const t = new PromptTemplates(templatesDir({ "a.j2": "{{ x }}" }), "a.j2", 0);
    expect(t.render("", { x: 1 })).toBe("1");
    expect(t.render("", { x: 1 })).toBe("1");
    expect(t.cacheStats()).toMatchObject({ entries: 0, hits: 0, misses: 0 });
  });
});
