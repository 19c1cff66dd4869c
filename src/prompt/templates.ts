import { existsSync, readFileSync, realpathSync } from "node:fs";
import path from "node:path";
import nunjucks from "nunjucks";
import { invalid } from "../domain/errors.js";

const TEMPLATE_NAME = /^(?!.*(^|\/)\.\.?(\/|$))[\w.\-/]{1,200}$/;

/**
 * System prompts from Jinja-style templates in one directory. nunjucks compiles a template on first
 * use and keeps it (the loader's cache), so each file is parsed once per process.
 */
export class PromptTemplates {
  private readonly env: nunjucks.Environment;

  constructor(readonly directory: string, readonly defaultTemplate: string) {
    if (!existsSync(directory)) throw new Error(`templates directory ${directory} does not exist`);
    // Prompts are not HTML: autoescape would turn a user's "<" into "&lt;" in front of the model.
    this.env = new nunjucks.Environment(new DirectoryLoader(directory), {
      autoescape: false,
      trimBlocks: true,
      lstripBlocks: true,
    });
  }

  /** Renders `name` (the default template when empty); a broken template is INVALID_ARGUMENT. */
  render(name: string, context: Record<string, unknown>): string {
    const template = name || this.defaultTemplate;
    if (path.isAbsolute(template) || !TEMPLATE_NAME.test(template)) {
      throw invalid("template", `"${template}" is not a template name inside the templates directory`);
    }
    try {
      return this.env.render(template, context);
    } catch (err) {
      throw templateError(template, err as Error);
    }
  }
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
  private readonly root: string;

  constructor(directory: string) {
    super();
    this.root = realpathSync(directory);
  }

  getSource(name: string): nunjucks.LoaderSource {
    if (path.isAbsolute(name)) throw outside(name);
    const full = path.resolve(this.root, name);
    if (!inside(this.root, full)) throw outside(name);
    // nunjucks turns null into "template not found"; its typings do not admit null.
    if (!existsSync(full)) return null as unknown as nunjucks.LoaderSource;
    const real = realpathSync(full);
    if (!inside(this.root, real)) throw outside(name);
    // `path` is the name's own location, so "./x.j2" in a template means next to that name.
    return { src: readFileSync(real, "utf8"), path: full, noCache: false };
  }

  /** "./x.j2" or "../x.j2" inside a template, as a name relative to the directory (checked on load). */
  resolve(from: string, to: string): string {
    return path.relative(this.root, path.resolve(path.dirname(from), to));
  }
}

function inside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel);
}

function outside(name: string): Error {
  return new Error(`"${name}" is not a template name inside the templates directory`);
}

/** "template: system.j2 line 3: unexpected token: }}", from nunjucks' "(file) [Line 3, Column 9]" text. */
function templateError(template: string, err: Error): Error {
  const text = err.message ?? String(err);
  if (/template not found/i.test(text)) return invalid("template", `${template}: template not found`);
  const line = /\[Line (\d+), Column (\d+)\]/.exec(text);
  const detail = text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !/^Template render error|^\(.*\)$/.test(l))
    .pop()
    ?.replace(/^\(.*?\)\s*(\[Line \d+, Column \d+\])?\s*/, "");
  // nunjucks counts lines from 0 for errors raised while rendering ("Error: ..."), from 1 for parse errors.
  const lineNo = line ? Number(line[1]) + (/^\w*Error: /.test(detail ?? "") ? 1 : 0) : 0;
  const where = line ? ` line ${lineNo}, column ${line[2]}` : "";
  return invalid("template", `${template}${where}: ${detail || "render error"}`);
}
