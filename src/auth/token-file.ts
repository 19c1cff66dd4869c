/**
 * The tokens file (ROOMHISTORY_TOKENS_FILE): who may call, on which rooms, with which rights. It holds
 * no secret: a bearer token is listed by the hex SHA-256 of its text, a client certificate by its
 * identity (subject CN or a subjectAltName). Parsing is strict, every mistake named by its path in the
 * file: a server must not start, nor a reload take effect, on a file it only half understood.
 */
import { createHash } from "node:crypto";

export const RIGHTS = ["read", "write", "watch", "admin"] as const;
export type Right = (typeof RIGHTS)[number];

/** Per-token overrides of the process-wide quotas; 0 turns that quota off for the token. */
export interface QuotaOverrides {
  callsPerSecond?: number;
  callsBurst?: number;
  appendBytesPerSecond?: number;
  appendBytesBurst?: number;
  watchStreams?: number;
}

export interface TokenEntry {
  name: string;
  /** Lowercase hex SHA-256 of the bearer token (exclusive with clientCert). */
  sha256?: string;
  /** A TLS client certificate's subject CN or one of its subjectAltName values. */
  clientCert?: string;
  /** Room-id prefixes; "" covers every room. */
  rooms: readonly string[];
  rights: ReadonlySet<Right>;
  /** Epoch ms after which the entry no longer authenticates; undefined: never. */
  expiresAt?: number;
  quota: QuotaOverrides;
}

/** The parsed file, indexed the two ways a caller identifies itself. */
export interface TokenSet {
  entries: readonly TokenEntry[];
  bySha256: ReadonlyMap<string, TokenEntry>;
  byClientCert: ReadonlyMap<string, TokenEntry>;
}

export function sha256Hex(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

const ENTRY_KEYS = new Set(["name", "sha256", "client_cert", "rooms", "rights", "expires_at", "quota"]);
const QUOTA_KEYS: Record<string, keyof QuotaOverrides> = {
  calls_per_second: "callsPerSecond",
  calls_burst: "callsBurst",
  append_bytes_per_second: "appendBytesPerSecond",
  append_bytes_burst: "appendBytesBurst",
  watch_streams: "watchStreams",
};
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

class FileError extends Error {}

function fail(at: string, why: string): never {
  throw new FileError(`${at}: ${why}`);
}

/** Parses the file's text; throws an Error naming the first mistake ("tokens[2].rights: ..."). */
export function parseTokenFile(text: string): TokenSet {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    fail("file", `not JSON (${(err as Error).message})`);
  }
  if (!isObject(doc)) fail("file", 'must be a JSON object {"tokens": [...]}');
  for (const key of Object.keys(doc)) if (key !== "tokens") fail(key, "unknown key (only \"tokens\")");
  if (!Array.isArray(doc.tokens)) fail("tokens", "must be an array");
  const entries = doc.tokens.map((raw: unknown, i: number) => parseEntry(raw, `tokens[${i}]`));
  const bySha256 = new Map<string, TokenEntry>();
  const byClientCert = new Map<string, TokenEntry>();
  const names = new Set<string>();
  entries.forEach((e, i) => {
    if (names.has(e.name)) fail(`tokens[${i}].name`, `"${e.name}" is listed twice`);
    names.add(e.name);
    if (e.sha256 !== undefined) {
      if (bySha256.has(e.sha256)) fail(`tokens[${i}].sha256`, `same hash as "${bySha256.get(e.sha256)!.name}"`);
      bySha256.set(e.sha256, e);
    } else {
      if (byClientCert.has(e.clientCert!)) fail(`tokens[${i}].client_cert`, `"${e.clientCert}" is listed twice`);
      byClientCert.set(e.clientCert!, e);
    }
  });
  return { entries, bySha256, byClientCert };
}

function parseEntry(raw: unknown, at: string): TokenEntry {
  if (!isObject(raw)) fail(at, "must be an object");
  for (const key of Object.keys(raw)) if (!ENTRY_KEYS.has(key)) fail(`${at}.${key}`, "unknown key");
  const name = raw.name;
  if (typeof name !== "string" || !/^[A-Za-z0-9._:@/-]{1,128}$/.test(name)) {
    fail(`${at}.name`, "must be 1 to 128 characters of A-Z a-z 0-9 . _ : @ / -");
  }
  if ((raw.sha256 === undefined) === (raw.client_cert === undefined)) {
    fail(at, "needs exactly one of sha256 (a bearer token's hash) or client_cert (a certificate identity)");
  }
  if (raw.sha256 !== undefined && (typeof raw.sha256 !== "string" || !/^[0-9a-fA-F]{64}$/.test(raw.sha256))) {
    fail(`${at}.sha256`, "must be 64 hex digits (the SHA-256 of the token, not the token)");
  }
  if (raw.client_cert !== undefined && (typeof raw.client_cert !== "string" || raw.client_cert === "")) {
    fail(`${at}.client_cert`, "must be a non-empty string (a subject CN or subjectAltName value)");
  }
  return {
    name,
    sha256: typeof raw.sha256 === "string" ? raw.sha256.toLowerCase() : undefined,
    clientCert: typeof raw.client_cert === "string" ? raw.client_cert : undefined,
    rooms: parseRooms(raw.rooms, `${at}.rooms`),
    rights: parseRights(raw.rights, `${at}.rights`),
    expiresAt: parseExpiry(raw.expires_at, `${at}.expires_at`),
    quota: parseQuota(raw.quota, `${at}.quota`),
  };
}

function parseRooms(raw: unknown, at: string): string[] {
  if (!Array.isArray(raw) || raw.length === 0) fail(at, 'must be a non-empty array of room-id prefixes ("" for all)');
  raw.forEach((p, i) => typeof p !== "string" && fail(`${at}[${i}]`, "must be a string"));
  return [...new Set(raw as string[])];
}

function parseRights(raw: unknown, at: string): Set<Right> {
  if (!Array.isArray(raw) || raw.length === 0) fail(at, `must be a non-empty array of ${RIGHTS.join(", ")}`);
  raw.forEach((r, i) => !RIGHTS.includes(r as Right) && fail(`${at}[${i}]`, `"${String(r)}" is not one of ${RIGHTS.join(", ")}`));
  return new Set(raw as Right[]);
}

function parseExpiry(raw: unknown, at: string): number | undefined {
  if (raw === undefined || raw === null) return undefined;
  const ms = typeof raw === "string" && RFC3339.test(raw) ? Date.parse(raw) : NaN;
  if (!Number.isFinite(ms)) fail(at, 'must be an RFC 3339 time such as "2027-01-01T00:00:00Z"');
  return ms;
}

function parseQuota(raw: unknown, at: string): QuotaOverrides {
  if (raw === undefined) return {};
  if (!isObject(raw)) fail(at, "must be an object");
  const quota: QuotaOverrides = {};
  for (const [key, value] of Object.entries(raw)) {
    const field = QUOTA_KEYS[key];
    if (!field) fail(`${at}.${key}`, `unknown key (one of ${Object.keys(QUOTA_KEYS).join(", ")})`);
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0) fail(`${at}.${key}`, "must be an integer >= 0");
    quota[field] = value;
  }
  return quota;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The file's JSON form of an entry (what the token CLI writes). */
export function entryToJson(e: TokenEntry): Record<string, unknown> {
  const quota = Object.entries(QUOTA_KEYS).filter(([, f]) => e.quota[f] !== undefined).map(([k, f]) => [k, e.quota[f]]);
  return {
    name: e.name,
    ...(e.sha256 !== undefined ? { sha256: e.sha256 } : { client_cert: e.clientCert }),
    rooms: [...e.rooms],
    rights: RIGHTS.filter((r) => e.rights.has(r)),
    ...(e.expiresAt !== undefined ? { expires_at: new Date(e.expiresAt).toISOString() } : {}),
    ...(quota.length ? { quota: Object.fromEntries(quota) } : {}),
  };
}
