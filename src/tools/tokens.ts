/**
 * token: manages the tokens file (ROOMHISTORY_TOKENS_FILE, README.md "Tokens"). `create` makes a
 * random token, prints it once and stores only its SHA-256; every change rewrites the file atomically
 * (a temporary file renamed over it, mode 0600), so a running server reloads either the old file or
 * the new one, never half of one.
 *
 *   npm run token -- create <name> --rooms tenant-a/ --rights read,write,watch [--expires 2027-01-01T00:00:00Z]
 *   npm run token -- create <name> --client-cert <CN or SAN> --rooms "" --rights admin
 *   npm run token -- list
 *   npm run token -- revoke <name>
 * Each takes --file <path> instead of ROOMHISTORY_TOKENS_FILE.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { entryToJson, parseTokenFile, RIGHTS, sha256Hex, type TokenEntry } from "../auth/token-file.js";

/** What a created token starts with, so it is recognisable in a leaked log or a secret scanner. */
export const TOKEN_PREFIX = "rh_";

export function newToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString("base64url");
}

function readEntries(file: string): TokenEntry[] {
  if (!existsSync(file)) return [];
  return [...parseTokenFile(readFileSync(file, "utf8")).entries];
}

/**
 * Writes the entries as the tokens file, checked by the server's own parser first. A new file is
 * readable by its owner only (0600); a rewritten one keeps its mode, so a server running as another
 * user in the file's group still reads it.
 */
function writeEntries(file: string, entries: readonly TokenEntry[]): void {
  const text = JSON.stringify({ tokens: entries.map(entryToJson) }, null, 2) + "\n";
  parseTokenFile(text);
  const mode = existsSync(file) ? statSync(file).mode & 0o777 : 0o600;
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  writeFileSync(tmp, text, { mode });
  chmodSync(tmp, mode); // writeFileSync's mode is filtered by the umask
  renameSync(tmp, file);
}

export interface CreateOptions {
  name: string;
  rooms: string[];
  rights: string[];
  expiresAt?: string;
  clientCert?: string;
  /** Replace an entry of the same name (a rotation) instead of refusing. */
  replace: boolean;
}

/** Adds the entry; returns the token to give the caller (undefined for a certificate entry). */
export function createToken(file: string, o: CreateOptions): string | undefined {
  const entries = readEntries(file);
  const at = entries.findIndex((e) => e.name === o.name);
  if (at >= 0 && !o.replace) throw new Error(`a token named ${o.name} exists: revoke it first, or pass --replace`);
  const token = o.clientCert === undefined ? newToken() : undefined;
  const raw = {
    name: o.name,
    ...(token !== undefined ? { sha256: sha256Hex(token) } : { client_cert: o.clientCert }),
    rooms: o.rooms,
    rights: o.rights,
    ...(o.expiresAt !== undefined ? { expires_at: o.expiresAt } : {}),
  };
  // The file's own parser checks the new entry, so the CLI accepts exactly what the server does.
  const [entry] = parseTokenFile(JSON.stringify({ tokens: [raw] })).entries;
  const next = entries.filter((e) => e.name !== o.name);
  next.splice(at >= 0 ? at : next.length, 0, { ...entry, quota: at >= 0 ? entries[at].quota : {} });
  writeEntries(file, next);
  return token;
}

export function revokeToken(file: string, name: string): void {
  const entries = readEntries(file);
  if (!entries.some((e) => e.name === name)) throw new Error(`no token named ${name} in ${file}`);
  writeEntries(file, entries.filter((e) => e.name !== name));
}

/** One line per entry: name, what identifies it (never the hash), rooms, rights, expiry. */
export function listTokens(file: string): string[] {
  return readEntries(file).map((e) => [
    e.name,
    e.sha256 !== undefined ? "token" : `client_cert=${e.clientCert}`,
    `rooms=${e.rooms.map((r) => JSON.stringify(r)).join(",")}`,
    `rights=${RIGHTS.filter((r) => e.rights.has(r)).join(",")}`,
    e.expiresAt === undefined ? "never expires"
      : `${e.expiresAt <= Date.now() ? "expired" : "expires"} ${new Date(e.expiresAt).toISOString()}`,
  ].join("  "));
}

const USAGE = `usage: npm run token -- <command> [--file tokens.json]
  create <name> --rooms <prefix,...> --rights <${RIGHTS.join(",")}> [--expires <RFC 3339 time>] [--client-cert <CN or SAN>] [--replace]
  list
  revoke <name>
The file is --file or ROOMHISTORY_TOKENS_FILE. --rooms "" covers every room.`;

function main(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: {
      file: { type: "string" }, rooms: { type: "string" }, rights: { type: "string" },
      expires: { type: "string" }, "client-cert": { type: "string" }, replace: { type: "boolean", default: false },
    },
  });
  const file = values.file ?? process.env.ROOMHISTORY_TOKENS_FILE;
  const [command, name] = positionals;
  if (!file || !command) throw new Error(USAGE);
  if (command === "list") {
    for (const line of listTokens(file)) console.log(line);
    return 0;
  }
  if (!name) throw new Error(USAGE);
  if (command === "revoke") {
    revokeToken(file, name);
    console.error(`revoked ${name} in ${file} (running servers drop it within a second)`);
    return 0;
  }
  if (command !== "create" || values.rooms === undefined || values.rights === undefined) throw new Error(USAGE);
  const token = createToken(file, {
    name, rooms: values.rooms.split(","), rights: values.rights.split(",").filter(Boolean),
    expiresAt: values.expires, clientCert: values["client-cert"], replace: values.replace,
  });
  if (token !== undefined) {
    console.error(`created ${name} in ${file}; the token is shown this once:`);
    console.log(token);
  } else console.error(`added client certificate ${values["client-cert"]} as ${name} in ${file}`);
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (err) {
    console.error(`token: ${(err as Error).message}`);
    process.exitCode = 2;
  }
}
