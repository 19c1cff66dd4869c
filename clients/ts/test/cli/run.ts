/** Runs the `roomhistory` CLI as a child process, as a user does (bin/roomhistory.js: the TS source via tsx). */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../bin/roomhistory.js", import.meta.url));
const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment of a CLI run: the test's, without ROOMHISTORY_* (they would change the defaults), no colours. */
function cliEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("ROOMHISTORY_") && k !== "FORCE_COLOR"));
  return { ...base, NO_COLOR: "1", ...env };
}

/** A running CLI: its output so far, and its end. */
export class CliProcess {
  readonly child: ChildProcess;
  stdout = "";
  stderr = "";
  readonly done: Promise<CliResult>;

  constructor(args: string[], env: Record<string, string> = {}, input?: string) {
    this.child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: cliEnv(env), stdio: ["pipe", "pipe", "pipe"] });
    this.child.stdout!.on("data", (d: Buffer) => (this.stdout += d.toString()));
    this.child.stderr!.on("data", (d: Buffer) => (this.stderr += d.toString()));
    this.child.stdin!.end(input);
    this.done = new Promise((resolve, reject) => {
      this.child.once("error", reject);
      this.child.once("close", (code) => resolve({ code, stdout: this.stdout, stderr: this.stderr }));
    });
  }

  /** Resolves once stderr holds `text`; rejects if the process ends first. */
  async stderrHas(text: string): Promise<void> {
    while (!this.stderr.includes(text)) {
      const ended = await Promise.race([
        this.done.then(() => true),
        new Promise<false>((resolve) => this.child.stderr!.once("data", () => resolve(false))),
      ]);
      if (ended && !this.stderr.includes(text)) throw new Error(`the CLI ended without printing ${JSON.stringify(text)}: ${this.stderr}`);
    }
  }
}

/** Runs the CLI to its end. */
export function cli(args: string[], env: Record<string, string> = {}, input?: string): Promise<CliResult> {
  return new CliProcess(args, env, input).done;
}
