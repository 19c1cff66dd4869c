/**
 * The global options every command shares (address, TLS, token, timeout) and the client they open. The
 * environment gives the defaults the workers read too (ROOMHISTORY_ADDRESS, and trustFromEnv's
 * ROOMHISTORY_TOKEN, ROOMHISTORY_CA_FILE, ...); an option on the command line wins over its variable.
 */
import { readFileSync } from "node:fs";
import { InvalidArgumentError, type Command } from "commander";
import { trustFromEnv, type TlsOptions } from "../auth.js";
import { RoomHistoryClient } from "../client.js";
import { UsageError } from "./exit.js";

/** Where the CLI connects when neither --address nor ROOMHISTORY_ADDRESS says. */
export const DEFAULT_ADDRESS = "127.0.0.1:50051";

/** The global options as commander parses them. */
export interface GlobalOptions {
  address?: string;
  tls?: boolean;
  ca?: string;
  cert?: string;
  key?: string;
  serverName?: string;
  token?: string;
  timeout?: number;
}

/** Declares the global options on the program (commander accepts them before or after the command). */
export function addGlobalOptions(program: Command): Command {
  return program
    .option("--address <host:port>", `server address (env ROOMHISTORY_ADDRESS, default ${DEFAULT_ADDRESS})`)
    .option("--tls", "connect with TLS, trusting the system's roots unless --ca (env ROOMHISTORY_TLS=true)")
    .option("--ca <file>", "PEM file of the CA the server's certificate must chain to (implies --tls; env ROOMHISTORY_CA_FILE)")
    .option("--cert <file>", "client certificate (PEM) for mTLS (implies --tls; env ROOMHISTORY_CLIENT_CERT_FILE)")
    .option("--key <file>", "private key (PEM) of --cert (env ROOMHISTORY_CLIENT_KEY_FILE)")
    .option("--server-name <name>", "name the server's certificate must carry (env ROOMHISTORY_TLS_SERVER_NAME)")
    .option("--token <token>", "bearer token, sent only over TLS or to a loopback address (env ROOMHISTORY_TOKEN)")
    .option("--timeout <seconds>", "deadline of each call in seconds (default 10; streams: none)", seconds);
}

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("not a positive number of seconds");
  return n;
}

/** The TLS settings from the options over the environment's; undefined for plaintext. */
function tlsOf(opts: GlobalOptions, env: NodeJS.ProcessEnv): TlsOptions | undefined {
  const fromEnv = trustFromEnv(env).tls;
  const files: TlsOptions = {};
  if (opts.ca) files.ca = readPem("--ca", opts.ca);
  if (opts.cert) files.cert = readPem("--cert", opts.cert);
  if (opts.key) files.key = readPem("--key", opts.key);
  if (opts.serverName) files.serverName = opts.serverName;
  const wanted = opts.tls || opts.ca !== undefined || opts.cert !== undefined || fromEnv !== undefined;
  return wanted ? { ...fromEnv, ...files } : undefined;
}

function readPem(option: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new UsageError(`${option}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** The address the options name. */
export function addressOf(opts: GlobalOptions, env: NodeJS.ProcessEnv = process.env): string {
  return opts.address || env.ROOMHISTORY_ADDRESS || DEFAULT_ADDRESS;
}

/**
 * A client for the options. The client's own checks (a token over plaintext to a host that is not
 * loopback, a key without a certificate) are usage errors here: the options are what is wrong.
 */
export function openClient(opts: GlobalOptions, env: NodeJS.ProcessEnv = process.env): RoomHistoryClient {
  const address = addressOf(opts, env);
  const token = opts.token ?? trustFromEnv(env).token;
  try {
    return new RoomHistoryClient(address, {
      tls: tlsOf(opts, env),
      ...(token ? { token } : {}),
      ...(opts.timeout !== undefined ? { timeoutMs: opts.timeout * 1000 } : {}),
    });
  } catch (err) {
    if (err instanceof TypeError || err instanceof RangeError) throw new UsageError(err.message);
    throw err;
  }
}

/** Per-call options of a stream (export, import, tail): a deadline only when --timeout gave one. */
export function streamTimeout(opts: GlobalOptions): { timeoutMs?: number } {
  return opts.timeout !== undefined ? { timeoutMs: opts.timeout * 1000 } : {};
}
