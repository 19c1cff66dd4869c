/**
 * Entry of the `roomhistory` CLI (bin/roomhistory.js runs it): parses the command line, runs the command
 * and sets the exit code (exit.ts): the gRPC status of a failed call, 2 for usage, 1 otherwise.
 */
import { readFileSync } from "node:fs";
import { CommanderError } from "commander";
import { buildProgram } from "./program.js";
import { errorLine, exitCodeOf, USAGE_EXIT } from "./exit.js";

const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };

/** Runs the CLI on `argv` (process.argv: node, script, then the arguments); resolves with the exit code. */
export async function run(argv: string[]): Promise<number> {
  const program = buildProgram(manifest.version);
  // Commander exits by itself unless told; here every end goes through one place that picks the code.
  program.exitOverride();
  for (const cmd of allCommands(program)) cmd.exitOverride();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end with exitCode 0; everything else commander reports is usage. Its own
      // message is already on stderr.
      return err.exitCode === 0 ? 0 : USAGE_EXIT;
    }
    process.stderr.write(`${errorLine(err)}\n`);
    return exitCodeOf(err);
  }
}

function allCommands(cmd: ReturnType<typeof buildProgram>): ReturnType<typeof buildProgram>[] {
  return cmd.commands.flatMap((c) => [c, ...allCommands(c)]);
}

// `roomhistory rooms | head`: a reader that stops early closes the pipe; that ends the CLI quietly.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code !== "EPIPE") throw err;
  process.exit(process.exitCode ?? 0);
});

process.exitCode = await run(process.argv);
