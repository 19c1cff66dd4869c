import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import path from "node:path";
import nunjucks from "nunjucks";
import { invalid } from "../domain/errors.js";
import { installJinja2Semantics } from "./jinja/compat.js";
import { FILTERS } from "./jinja/filters.js";
import { GLOBALS, TESTS } from "./jinja/tests.js";
import { RENDER_CACHE_BYTES, RenderCache, renderKey } from "./render-cache.js";

const TEMPLATE_NAME = /^(?!.*(^|\/)\.\.?(\/|$))[\w.\-/]{1,200}$/;

/** How often, at most, a cached template's file is checked for a change (README, "Templates at run time"). */
export const RELOAD_CHECK_MS = 1000;
const live = new Set<WeakRef<PromptTemplates>>();

/**
 * System prompts from Jinja2 templates in one directory, rendered by nunjucks made to behave like Jinja2
 * (`./jinja/`; README, "Jinja2 compatibility"). A template is compiled on first use and kept; a kept
 * template whose file changed (mtime, size or inode, checked at most once per {@link RELOAD_CHECK_MS}) is
 * read again, and {@link PromptTemplates.reloadAll} (SIGHUP) drops every kept template.
 *
 * A rendered prompt is kept too, keyed by the template's name and the context's JSON, together with the
 * files the render read (the template and everything it includes, extends or imports): it is reused
 * while none of them was read again, so the same checks that reload a template drop its renders. A
 * render that used the `random` filter, or a missing template (`ignore missing`), or a context JSON
 * cannot stand for, is not kept. Templates have no clock or other input besides the context.
 */
export class PromptTemplates {
  private readonly env: nunjucks.Environment;
  private readonly loader: DirectoryLoader;
  private readonly rendered: RenderCache<LoadedFile>;
  /** Set while rendering when the output may differ on the next render of the same input. */
  private volatile = false;

  /** `cacheBytes`: the bound of the rendered-prompt cache; 0 turns it off. */
  constructor(readonly directory: string, readonly defaultTemplate: string, cacheBytes = RENDER_CACHE_BYTES) {
    if (!existsSync(directory)) throw new Error(`templates directory ${directory} does not exist`);
    installJinja2Semantics();
    this.loader = new DirectoryLoader(directory);
    // Prompts are not HTML: autoescape would turn a user's "<" into "&lt;" in front of the model. The
    // Jinja2 side of the differential test uses the same settings (trim_blocks, lstrip_blocks).
    this.env = new nunjucks.Environment(this.loader, {
      autoescape: false,
      trimBlocks: true,
      lstripBlocks: true,
    });
    for (const [name, f] of Object.entries(FILTERS)) this.env.addFilter(name, f);
    for (const [name, t] of Object.entries(TESTS)) (this.env as unknown as { addTest(n: string, t: unknown): void }).addTest(name, t);
    for (const [name, g] of Object.entries(GLOBALS)) this.env.addGlobal(name, g);
    const random = this.env.getFilter("random") as (...args: unknown[]) => unknown;
    const markVolatile = () => { this.volatile = true; };
    this.env.addFilter("random", function (this: unknown, ...args: unknown[]) {
      markVolatile();
      return random.apply(this, args);
    });
    this.rendered = new RenderCache(cacheBytes);
    live.add(new WeakRef(this));
  }

  /** Drops every compiled template, so each is read again on its next use. */
  reload(): void {
    (this.env as unknown as { invalidateCache(): void }).invalidateCache();
    this.loader.forget();
    this.rendered.clear();
  }

  /** {@link reload} for every PromptTemplates in the process: what SIGHUP does (src/main.ts). */
  static reloadAll(): void {
    for (const ref of live) {
      const t = ref.deref();
      if (t) t.reload();
      else live.delete(ref);
    }
  }

  /** Renders `name` (the default template when empty); a broken template is INVALID_ARGUMENT. */
  render(name: string, context: Record<string, unknown>): string {
    const template = name || this.defaultTemplate;
    if (path.isAbsolute(template) || !TEMPLATE_NAME.test(template)) {
      throw invalid("template", `"${template}" is not a template name inside the templates directory`);
    }
    const key = this.rendered.maxBytes > 0 ? renderKey(template, context) : undefined;
    if (key !== undefined) {
      const hit = this.rendered.get(key);
      if (hit && this.loader.unchanged(hit.deps)) {
        this.rendered.hits++;
        return hit.text;
      }
      this.rendered.misses++;
    }
    this.volatile = false;
    const used = this.loader.startRecording();
    let text: string;
    try {
      text = this.env.render(template, context);
    } catch (err) {
      throw templateError(template, err as Error, this.loader.root);
    } finally {
      this.loader.stopRecording();
    }
    const deps = this.loader.loaded(used);
    if (key !== undefined && deps && !this.volatile) this.rendered.set(key, { text, deps });
    else if (key !== undefined) this.rendered.delete(key);
    return text;
  }

  /** What the rendered-prompt cache holds and how often it answered (tests, diagnostics). */
  cacheStats(): { entries: number; bytes: number; hits: number; misses: number } {
    const r = this.rendered;
    return { entries: r.size, bytes: r.bytes, hits: r.hits, misses: r.misses };
  }
}

/** A template file as one load read it; a reload replaces the object, so identity says "unchanged". */
interface LoadedFile {
  name: string;
  file: string;
  stamp: string;
  checkedAt: number;
}

/**
 * Loads templates from one directory and nothing outside it, for the names a request gives and for
 * the names templates give to include, extends and import alike. nunjucks' own FileSystemLoader
 * compares path prefixes as text, so an absolute "/srv/templates-private/x.j2" passed for
 * "/srv/templates"; and a template that reads a file can run JavaScript (`range.constructor`), so
 * which files load is the whole security boundary. Both the name and the file's real path (after
 * symlinks) must stay inside the directory's real path.
 */
class DirectoryLoader extends nunjucks.Loader implements nunjucks.ILoader {
  readonly root: string;
  /** The file behind each cached name, with what it looked like when read and when last checked. */
  private readonly files = new Map<string, LoadedFile>();
  private compiled: Record<string, unknown> = {};
  private readonly view: Record<string, unknown>;
  /** The names nunjucks looked up during the current render, when recording. */
  private used: Set<string> | undefined;

  constructor(directory: string) {
    super();
    this.root = realpathSync(directory);
    // nunjucks reads `loader.cache[name]` before every load, includes and extends too: checking there
    // catches a change to any file a template uses.
    this.view = new Proxy({}, {
      get: (_t, name) => {
        if (typeof name !== "string") return undefined;
        this.used?.add(name);
        return this.stale(name) ? undefined : this.compiled[name];
      },
      set: (_t, name, value) => { this.compiled[name as string] = value; return true; },
      deleteProperty: (_t, name) => delete this.compiled[name as string],
    });
  }

  get cache(): Record<string, unknown> {
    return this.view;
  }

  set cache(value: Record<string, unknown>) {
    this.compiled = value; // nunjucks' invalidateCache() assigns {}
  }

  forget(): void {
    this.compiled = {};
    this.files.clear();
  }

  /** Starts recording the names templates look up, into the set returned. */
  startRecording(): Set<string> {
    this.used = new Set();
    return this.used;
  }

  stopRecording(): void {
    this.used = undefined;
  }

  /** The loaded file behind each name, or undefined when one is not loaded (missing, or `ignore missing`). */
  loaded(names: Set<string>): LoadedFile[] | undefined {
    const out: LoadedFile[] = [];
    for (const name of names) {
      const f = this.files.get(name);
      if (!f || !this.compiled[name]) return undefined;
      out.push(f);
    }
    return out;
  }

  /**
   * Whether every file is still the one loaded, after the same check a lookup makes (at most once per
   * {@link RELOAD_CHECK_MS}); a changed file is dropped here, so the next render reads it again.
   */
  unchanged(deps: readonly LoadedFile[]): boolean {
    for (const d of deps) {
      this.stale(d.name);
      if (this.files.get(d.name) !== d) return false;
    }
    return true;
  }

  private stale(name: string): boolean {
    const seen = this.files.get(name);
    if (!seen || !this.compiled[name]) return false;
    const now = Date.now();
    if (now - seen.checkedAt < RELOAD_CHECK_MS) return false;
    seen.checkedAt = now;
    if (stamp(seen.file) === seen.stamp) return false;
    delete this.compiled[name];
    this.files.delete(name);
    return true;
  }

  getSource(name: string): nunjucks.LoaderSource {
    if (path.isAbsolute(name)) throw outside(name);
    const full = path.resolve(this.root, name);
    if (!inside(this.root, full)) throw outside(name);
    // nunjucks turns null into "template not found"; its typings do not admit null.
    if (!existsSync(full)) return null as unknown as nunjucks.LoaderSource;
    const real = realpathSync(full);
    if (!inside(this.root, real)) throw outside(name);
    const before = stamp(real);
    const src = readFileSync(real, "utf8");
    this.files.set(name, { name, file: real, stamp: before, checkedAt: Date.now() });
    // `path` is the name's own location, so "./x.j2" in a template means next to that name.
    return { src: jinjaSource(src), path: full, noCache: false };
  }

  /** "./x.j2" or "../x.j2" inside a template, as a name relative to the directory (checked on load). */
  resolve(from: string, to: string): string {
    return path.relative(this.root, path.resolve(path.dirname(from), to));
  }
}

function stamp(file: string): string {
  try {
    const s = statSync(file);
    return `${s.mtimeMs}:${s.size}:${s.ino}`;
  } catch {
    return "gone";
  }
}

/** As Jinja2's lexer reads a source: newlines as "\n", one trailing newline dropped (keep_trailing_newline=False). */
function jinjaSource(src: string): string {
  return src.replace(/\r\n?/g, "\n").replace(/\n$/, "");
}

function inside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel);
}

function outside(name: string): Error {
  return new Error(`"${name}" is not a template name inside the templates directory`);
}

/**
 * "template: system.j2 line 3, column 9: unexpected token: }}" (or "template: a.j2 (in part.j2) line 3, ..."
 * for an error in a template a.j2 uses), from nunjucks' "(file) [Line 3, Column 9]" text.
 */
function templateError(template: string, err: Error, root: string): Error {
  const text = err.message ?? String(err);
  const missing = /template not found: (.*)$/im.exec(text)?.[1].trim();
  if (missing !== undefined || /template not found/i.test(text)) {
    const what = missing && missing !== template ? `the template "${missing}" it uses is not found` : "template not found";
    return invalid("template", `${template}: ${what}`);
  }
  // The innermost "(file) [Line, Column]" is where it went wrong; a file other than the template rendered
  // is one it includes, extends or imports, and is named too.
  const places = [...text.matchAll(/\(([^()\n]+)\) \[Line (\d+), Column (\d+)\]/g)];
  const place = places[places.length - 1];
  const file = place?.[1];
  const inner = file && path.isAbsolute(file) ? path.relative(root, file) : undefined;
  const within = inner && inner !== template && !inner.startsWith("..") ? ` (in ${inner})` : "";
  const line = place ? [place[0], place[2], place[3]] : /\[Line (\d+), Column (\d+)\]/.exec(text);
  const detail = text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !/^Template render error|^\(.*\)$/.test(l))
    .pop()
    ?.replace(/^\(.*?\)\s*(\[Line \d+, Column \d+\])?\s*/, "");
  // Lines and columns count from 1 (./jinja/compat.ts makes run-time errors count as parse errors do).
  const where = line ? ` line ${line[1]}, column ${line[2]}` : "";
  // What nunjucks cannot do surfaces as a JavaScript error: say so instead of passing it on raw.
  const message = detail?.replace(/^(TypeError|RangeError|ReferenceError|SyntaxError): (.*)$/,
    "not supported by the template engine (a Jinja2 feature nunjucks lacks, or a value of the wrong type): $2")
    .replace(/^Error: /, "");
  return invalid("template", `${template}${within}${where}: ${message || "render error"}`);
}
