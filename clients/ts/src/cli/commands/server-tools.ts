/**
 * `migrate-legacy` and `token`: tools that act on Redis and on the tokens file directly, not over gRPC,
 * so they belong to the server package (its src/tools/). The CLI runs them through the server's bin
 * (`roomhistory-server migrate-legacy ...`, `roomhistory-server token ...`) with the options given here,
 * and ends with the tool's exit code. Where the server package is, in order: ROOMHISTORY_SERVER_BIN (a
 * path to roomhistory-server.js), the roomhistory-server package installed where the CLI is run from (or
 * above), then the checkout or server package this client sits in. Without one, it says so (exit 1).
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { constants } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { ExitError, UsageError } from "../exit.js";

const SERVER_BIN = "roomhistory-server";

/** The server package's bin script, or undefined when none is found. */
export function findServerBin(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string | undefined {
  if (env.ROOMHISTORY_SERVER_BIN) {
    const given = resolve(cwd, env.ROOMHISTORY_SERVER_BIN);
    return existsSync(given) ? given : undefined;
  }
  try {
    const manifest = createRequire(join(cwd, "package.json")).resolve(`${SERVER_BIN}/package.json`);
    const bin = binOf(dirname(manifest));
    if (bin) return bin;
  } catch {
    // not installed where the CLI runs: look around the CLI itself
  }
  // In a checkout this file is <repo>/clients/ts/{src,dist}/cli/commands; in the server package the
  // client is bundled at <pkg>/node_modules/@roomhistory/client/dist/cli/commands.
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const bin = binOf(dir);
    if (bin) return bin;
  }
  return undefined;
}

/** The roomhistory-server bin of the package at `dir`, if that package declares one that exists. */
function binOf(dir: string): string | undefined {
  const manifest = join(dir, "package.json");
  if (!existsSync(manifest)) return undefined;
  try {
    const bin = (JSON.parse(readFileSync(manifest, "utf8")) as { bin?: Record<string, string> }).bin?.[SERVER_BIN];
    return bin && existsSync(join(dir, bin)) ? join(dir, bin) : undefined;
  } catch {
    return undefined;
  }
}

/** Runs `roomhistory-server <args>` with stdio inherited; resolves with its exit code. */
export async function runServerTool(args: string[], extraEnv: Record<string, string> = {}): Promise<number> {
  const bin = findServerBin();
  if (!bin) {
    throw new ExitError(
      `${args[0]} acts on Redis and the tokens file directly and needs the server package (${SERVER_BIN}), ` +
      "which is not installed here: install it (scripts/pack.sh server, then npm install <its .tgz>), run this " +
      "from a roomhistory checkout, or set ROOMHISTORY_SERVER_BIN to its bin/roomhistory-server.js"
      + (process.env.ROOMHISTORY_SERVER_BIN ? ` (ROOMHISTORY_SERVER_BIN names ${process.env.ROOMHISTORY_SERVER_BIN}, which does not exist)` : ""), 1,
    );
  }
  const child = spawn(process.execPath, [bin, ...args], { stdio: "inherit", env: { ...process.env, ...extraEnv } });
  return new Promise((done, fail) => {
    child.once("error", fail);
    child.once("exit", (code, signal) => done(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  });
}

interface MigrateOptions {
  redisUrl?: string;
  keyPrefix?: string;
  dryRun?: boolean;
  deleteSource?: boolean;
  indexOnly?: boolean;
}

export function migrateLegacyCommand(program: Command): void {
  program.command("migrate-legacy")
    .description("move rooms a legacy ConversationManager wrote into the hash-tagged layout, on Redis directly (server package)")
    .option("--redis-url <url>", "the Redis to migrate (env ROOMHISTORY_REDIS_URL)")
    .option("--key-prefix <prefix>", "the legacy key prefix (env ROOMHISTORY_KEY_PREFIX, default sg:conversation)")
    .option("--dry-run", "decide and report; write nothing")
    .option("--delete-source", "delete the legacy keys of every room moved")
    .option("--index-only", "move nothing; add the legacy rooms to the unbraced layout's room index")
    .action(async (opts: MigrateOptions) => {
      const env: Record<string, string> = {};
      if (opts.redisUrl) env.ROOMHISTORY_REDIS_URL = opts.redisUrl;
      if (opts.keyPrefix) env.ROOMHISTORY_KEY_PREFIX = opts.keyPrefix;
      if (!env.ROOMHISTORY_REDIS_URL && !process.env.ROOMHISTORY_REDIS_URL) {
        throw new UsageError("migrate-legacy: give --redis-url or set ROOMHISTORY_REDIS_URL");
      }
      const flags = [opts.dryRun && "--dry-run", opts.deleteSource && "--delete-source", opts.indexOnly && "--index-only"];
      process.exitCode = await runServerTool(["migrate-legacy", ...flags.filter((f): f is string => !!f)], env);
    });
}

interface TokenCreateOptions {
  file?: string;
  rooms: string;
  rights: string;
  expires?: string;
  clientCert?: string;
  replace?: boolean;
}

export function tokenCommand(program: Command): void {
  const token = program.command("token").description("manage the server's tokens file (server package)");
  const fileOption = "--file <path>";
  const fileHelp = "the tokens file (env ROOMHISTORY_TOKENS_FILE)";
  token.command("create")
    .description("add a token (printed once on stdout; only its SHA-256 is stored) or a client certificate")
    .argument("<name>", "the entry's name")
    .requiredOption("--rooms <prefixes>", "comma-separated room id prefixes it may touch (\"\": every room)")
    .requiredOption("--rights <rights>", "comma-separated: read, write, watch, admin")
    .option("--expires <time>", "RFC 3339 expiry time")
    .option("--client-cert <name>", "a client certificate's CN or SAN instead of a token")
    .option("--replace", "replace an entry of the same name (a rotation)")
    .option(fileOption, fileHelp)
    .action(async (name: string, opts: TokenCreateOptions) => {
      const args = ["token", "create", name, `--rooms=${opts.rooms}`, `--rights=${opts.rights}`];
      if (opts.expires) args.push(`--expires=${opts.expires}`);
      if (opts.clientCert) args.push(`--client-cert=${opts.clientCert}`);
      if (opts.replace) args.push("--replace");
      process.exitCode = await runServerTool([...args, ...fileArgs(opts.file)]);
    });
  token.command("list")
    .description("one line per entry: name, token or certificate, rooms, rights, expiry (never a hash)")
    .option(fileOption, fileHelp)
    .action(async (opts: { file?: string }) => {
      process.exitCode = await runServerTool(["token", "list", ...fileArgs(opts.file)]);
    });
  token.command("revoke")
    .description("remove an entry (running servers drop it within a second)")
    .argument("<name>", "the entry's name")
    .option(fileOption, fileHelp)
    .action(async (name: string, opts: { file?: string }) => {
      process.exitCode = await runServerTool(["token", "revoke", name, ...fileArgs(opts.file)]);
    });
}

function fileArgs(file: string | undefined): string[] {
  if (!file && !process.env.ROOMHISTORY_TOKENS_FILE) throw new UsageError("token: give --file or set ROOMHISTORY_TOKENS_FILE");
  return file ? [`--file=${file}`] : [];
}
