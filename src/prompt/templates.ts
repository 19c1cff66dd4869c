import { existsSync } from "node:fs";
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
    this.env = new nunjucks.Environment(new nunjucks.FileSystemLoader(directory, { noCache: false }), {
      autoescape: false,
      trimBlocks: true,
      lstripBlocks: true,
    });
  }

  /** Renders `name` (the default template when empty); a broken template is INVALID_ARGUMENT. */
  render(name: string, context: Record<string, unknown>): string {
    const template = name || this.defaultTemplate;
    if (!TEMPLATE_NAME.test(template)) {
      throw invalid("template", `"${template}" is not a template name inside the templates directory`);
    }
    try {
      return this.env.render(template, context);
    } catch (err) {
      throw templateError(template, err as Error);
    }
  }
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
