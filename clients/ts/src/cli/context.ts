/** What a command's action gets: the global options, a client opened from them, and output helpers. */
import type { Command } from "commander";
import type { RoomHistoryClient } from "../client.js";
import { openClient, type GlobalOptions } from "./connect.js";

/** Writes a line to stdout. */
export function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Writes a line to stderr (notes and summaries, never data). */
export function note(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** The global options as seen from a (sub)command. */
export function globalsOf(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals<GlobalOptions>();
}

/** Runs `fn` with a client opened from the command's global options, closed afterwards. */
export async function withClient<T>(cmd: Command, fn: (client: RoomHistoryClient, globals: GlobalOptions) => Promise<T>): Promise<T> {
  const globals = globalsOf(cmd);
  const client = openClient(globals);
  try {
    return await fn(client, globals);
  } finally {
    client.close();
  }
}
