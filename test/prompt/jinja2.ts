import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Real Jinja2 from the project's venv (scripts/test.sh installs it from clients/python/requirements-dev.txt). */
const PYTHON = process.env.ROOMHISTORY_TEST_PYTHON ?? fileURLToPath(new URL("../../.venv/bin/python", import.meta.url));

export interface Job { name: string; context: Record<string, unknown> }
export type Jinja2Result = { text: string } | { error: string };

/** Renders jobs from templates in `dir` with Jinja2, in one Python process (jinja_render.py). */
export function renderWithJinja2(dir: string, jobs: Job[]): Record<string, Jinja2Result> {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: scripts/test.sh (npm test) creates the venv with jinja2`);
  const out = execFileSync(PYTHON, [fileURLToPath(new URL("./jinja_render.py", import.meta.url)), dir], {
    input: JSON.stringify(jobs),
    maxBuffer: 256 * 1024 * 1024,
  });
  return JSON.parse(out.toString()) as Record<string, Jinja2Result>;
}
