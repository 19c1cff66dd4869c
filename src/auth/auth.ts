/**
 * Authentication and authorisation of one process: the tokens in force, the quotas, and the open Watch
 * streams that must end when their token is revoked, expires or loses the scope they were opened with.
 * src/auth/interceptor.ts applies it to every call.
 */
import type { PeerCertificate } from "node:tls";
import type { Metadata } from "@grpc/grpc-js";
import type { Logger } from "pino";
import { AuditLog } from "./audit.js";
import { Denial } from "./denial.js";
import { Quotas, type QuotaSettings } from "./quota.js";
import { TokenRegistry } from "./registry.js";
import { inScope } from "./rights.js";
import { sha256Hex, type Right, type TokenEntry, type TokenSet } from "./token-file.js";

export interface AuthOptions {
  /** ROOMHISTORY_TOKENS_FILE. */
  tokensFile: string;
  /** The process-wide quotas per token (ROOMHISTORY_QUOTA_*); a token's `quota` overrides them. */
  quotas: QuotaSettings;
}

/** An open Watch stream, held so it can be ended with the status its token now deserves. */
export interface OpenStream {
  /** The entry in force for the stream (replaced by a reload that keeps it valid). */
  entry: TokenEntry;
  /** The name its place in the stream cap was counted under (an entry may be renamed by a reload). */
  readonly countedAs: string;
  rooms: readonly string[];
  end(denial: Denial): void;
}

/** How often open streams are checked for a token that expired while they ran. */
const EXPIRY_SWEEP_MS = 250;

export class Auth {
  readonly registry: TokenRegistry;
  readonly quotas: Quotas;
  readonly audit: AuditLog;
  private readonly streams = new Set<OpenStream>();
  private readonly sweep: NodeJS.Timeout;

  /** Throws when the tokens file is missing or invalid: the server must not start without its tokens. */
  constructor(options: AuthOptions, logger: Logger) {
    this.registry = new TokenRegistry(options.tokensFile, logger);
    this.quotas = new Quotas(options.quotas);
    this.audit = new AuditLog(logger);
    this.registry.onChange((set) => this.recheckStreams(set));
    this.registry.watch();
    this.sweep = setInterval(() => this.endExpired(), EXPIRY_SWEEP_MS);
    this.sweep.unref();
  }

  /**
   * The caller's entry from its bearer token, else from its verified client certificate (read only
   * then: building it costs more than hashing a token).
   */
  authenticate(metadata: Metadata, peerCertificate: () => PeerCertificate | undefined): TokenEntry | Denial {
    const set = this.registry.tokens;
    const header = metadata.get("authorization")[0];
    if (header !== undefined) {
      const token = /^Bearer\s+(\S+)\s*$/i.exec(String(header))?.[1];
      if (token === undefined) return new Denial("TOKEN_INVALID", 'authorization: must be "Bearer <token>"');
      const entry = set.bySha256.get(sha256Hex(token));
      if (!entry) return new Denial("TOKEN_INVALID", "authorization: unknown token");
      return unexpired(entry);
    }
    for (const identity of certificateIdentities(peerCertificate())) {
      const entry = set.byClientCert.get(identity);
      if (entry) return unexpired(entry);
    }
    return new Denial("TOKEN_MISSING", "authorization: a token is required (authorization: Bearer <token>)");
  }

  /** A right the entry lacks, or the first of `rooms` outside its prefixes, as a denial. */
  authorize(entry: TokenEntry, right: Right, rooms: readonly string[] | "all", method: string): Denial | undefined {
    if (!entry.rights.has(right)) {
      return new Denial("RIGHT_MISSING", `token ${entry.name} lacks the ${right} right needed by ${method}`,
        { right, method, token: entry.name });
    }
    if (rooms === "all") {
      return entry.rooms.includes("") ? undefined : new Denial("ROOM_OUT_OF_SCOPE",
        `${method} acts on every room: token ${entry.name} must have "" among its rooms`,
        { room: "", method, token: entry.name });
    }
    const outside = rooms.find((r) => !inScope(entry.rooms, r));
    return outside === undefined ? undefined : new Denial("ROOM_OUT_OF_SCOPE",
      `room ${outside} is outside the rooms of token ${entry.name}`, { room: outside, method, token: entry.name });
  }

  /**
   * Holds a Watch stream until it closes (release it with `closeStream`); a denial instead when a
   * reload between the call's metadata and its request took its token or scope away.
   */
  openStream(stream: OpenStream): Denial | undefined {
    const denial = this.judge(stream, this.registry.tokens);
    if (denial) return denial;
    this.streams.add(stream);
    return undefined;
  }

  closeStream(stream: OpenStream): void {
    if (this.streams.delete(stream)) this.quotas.closeStream(stream.countedAs);
  }

  /** Reads the tokens file again (SIGHUP); false when it was invalid and the old tokens stay. */
  reload(): boolean {
    return this.registry.reload();
  }

  close(): void {
    this.registry.close();
    clearInterval(this.sweep);
  }

  /** After a reload: each stream keeps running only if its token still exists and still covers it. */
  private recheckStreams(set: TokenSet): void {
    for (const stream of [...this.streams]) {
      const denial = this.judge(stream, set);
      if (denial) this.endStream(stream, denial);
    }
  }

  /** The stream's entry in `set`, kept on the stream, or why the stream may no longer run. */
  private judge(stream: OpenStream, set: TokenSet): Denial | undefined {
    const old = stream.entry;
    const now = old.sha256 !== undefined ? set.bySha256.get(old.sha256) : set.byClientCert.get(old.clientCert!);
    if (now === old) return undefined;
    if (now === undefined) return new Denial("TOKEN_REVOKED", `token ${old.name} was revoked`, { token: old.name });
    const denial = stillValid(this, now, stream.rooms);
    if (!denial) stream.entry = now;
    return denial;
  }

  private endExpired(): void {
    const now = Date.now();
    for (const stream of [...this.streams]) {
      const { expiresAt, name } = stream.entry;
      if (expiresAt !== undefined && expiresAt <= now) {
        this.endStream(stream, new Denial("TOKEN_EXPIRED", `token ${name} expired`, { token: name }));
      }
    }
  }

  private endStream(stream: OpenStream, denial: Denial): void {
    this.closeStream(stream);
    stream.end(denial);
  }
}

function stillValid(auth: Auth, entry: TokenEntry, rooms: readonly string[]): Denial | undefined {
  const expired = unexpired(entry);
  if (expired instanceof Denial) return expired;
  return auth.authorize(entry, "watch", rooms, "Watch");
}

function unexpired(entry: TokenEntry): TokenEntry | Denial {
  if (entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
    return new Denial("TOKEN_EXPIRED", `token ${entry.name} expired at ${new Date(entry.expiresAt).toISOString()}`,
      { token: entry.name, expires_at: new Date(entry.expiresAt).toISOString() });
  }
  return entry;
}

/** A verified client certificate's subject CN and subjectAltName values ("DNS:", "URI:", ... dropped). */
export function certificateIdentities(cert: PeerCertificate | undefined): string[] {
  if (!cert) return [];
  const cn = cert.subject?.CN;
  const names = Array.isArray(cn) ? [...(cn as string[])] : cn ? [cn] : [];
  for (const san of cert.subjectaltname?.split(", ") ?? []) {
    const colon = san.indexOf(":");
    if (colon > 0) names.push(san.slice(colon + 1));
  }
  return names;
}
