/**
 * The `roomhistory` command line: the global options (connect.ts) and every command, each in its file
 * under commands/. Commander parses; usage errors and --help are turned into exit codes by main.ts.
 */
import { Command } from "commander";
import { addGlobalOptions } from "./connect.js";
import { exportCommand, importCommand } from "./commands/transfer.js";
import { infoCommand, roomsCommand, showCommand } from "./commands/rooms.js";
import { migrateLegacyCommand, tokenCommand } from "./commands/server-tools.js";
import { renderCommand } from "./commands/render.js";
import { tailCommand } from "./commands/tail.js";
import { appendCommand, deleteCommand, reapCommand } from "./commands/write.js";

const EXIT_CODES = `
Exit codes: 0 success; a failed call exits with its gRPC status code (5 NOT_FOUND, 7 PERMISSION_DENIED,
10 ABORTED, 14 UNAVAILABLE, 16 UNAUTHENTICATED, ...); 2 a usage error; 1 a failure of the CLI's own
(an unreadable file, the server package missing). Errors are one line on stderr.`;

/** A new program (one per run: commander keeps parsed values on it). */
export function buildProgram(version: string): Command {
  const program = new Command("roomhistory")
    .description("Admin CLI of a roomhistory server: list, read, watch, write, render, reap, export and import rooms.")
    .version(version, "-V, --version")
    .addHelpText("after", EXIT_CODES);
  addGlobalOptions(program);
  for (const add of [
    roomsCommand, infoCommand, showCommand, tailCommand, appendCommand, renderCommand, reapCommand, deleteCommand,
    exportCommand, importCommand, migrateLegacyCommand, tokenCommand,
  ]) add(program);
  return program;
}
