import { mkdtempSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { credentials, InterceptingCall, Metadata, type Interceptor, type ServiceError } from "@grpc/grpc-js";
import pino from "pino";
import { RoomHistoryServiceClient } from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import { Status } from "@roomhistory/client/gen/google/rpc/status.js";
import { ErrorInfo, RetryInfo } from "@roomhistory/client/gen/google/rpc/error_details.js";
import { loadConfig } from "../../src/config.js";
import { startApp } from "../../src/app.js";
import type { RunningServer } from "../../src/server/server.js";
import { sha256Hex } from "../../src/auth/token-file.js";

/** A tokens file entry as the file spells it, built from a token in clear. */
export function entry(name: string, token: string, rooms: string[], rights: string[], extra: Record<string, unknown> = {}) {
  return { name, sha256: sha256Hex(token), rooms, rights, ...extra };
}

/** A tokens file in a fresh directory, rewritten atomically (as the CLI does) by `write`. */
export class TokensFile {
  readonly dir = mkdtempSync(join(tmpdir(), "roomhistory-tokens-"));
  readonly path = join(this.dir, "tokens.json");
  private n = 0;

  constructor(entries: object[]) {
    this.write(entries);
  }

  write(entries: object[] | string): void {
    const tmp = join(this.dir, `.tmp${this.n++}`);
    writeFileSync(tmp, typeof entries === "string" ? entries : JSON.stringify({ tokens: entries }));
    renameSync(tmp, this.path);
  }
}

/** The server's log lines, parsed, for audit checks. */
export class LogLines {
  readonly lines: Record<string, unknown>[] = [];
  readonly raw: string[] = [];
  readonly stream = new Writable({
    write: (chunk: Buffer, _enc, done) => {
      for (const line of chunk.toString().split("\n").filter(Boolean)) {
        this.raw.push(line);
        this.lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });

  get audit(): Record<string, unknown>[] {
    return this.lines.filter((l) => l.component === "audit");
  }
}

export interface AuthServer {
  app: RunningServer;
  logs: LogLines;
  /** A generated client sending `authorization: Bearer <token>` on every call (none: no header). */
  client(token?: string): RoomHistoryServiceClient;
  stop(): Promise<void>;
}

export async function startAuthServer(tokensFile: string, env: Record<string, string> = {}): Promise<AuthServer> {
  const config = loadConfig({ ROOMHISTORY_LISTEN: "127.0.0.1:0", ROOMHISTORY_TOKENS_FILE: tokensFile, ...env });
  const logs = new LogLines();
  const app = await startApp({ ...config, shutdownGraceMs: 1000 }, pino({ level: "info" }, logs.stream));
  const clients: RoomHistoryServiceClient[] = [];
  return {
    app,
    logs,
    client(token) {
      const c = new RoomHistoryServiceClient(app.address, credentials.createInsecure(), {
        interceptors: token === undefined ? [] : [bearer(token)],
      });
      clients.push(c);
      return c;
    },
    async stop() {
      clients.forEach((c) => c.close());
      await app.shutdown();
    },
  };
}

/** Adds the bearer token to every call's metadata. */
export function bearer(token: string): Interceptor {
  return (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start(metadata: Metadata, listener, next) {
        metadata.set("authorization", `Bearer ${token}`);
        next(metadata, listener);
      },
    });
}

/** A failed call's ErrorInfo and RetryInfo (in milliseconds), from grpc-status-details-bin. */
export function details(err: ServiceError): { info?: ErrorInfo; retryMs?: number } {
  const raw = err.metadata?.get("grpc-status-details-bin")?.[0] as Buffer | undefined;
  if (!raw) return {};
  const out: { info?: ErrorInfo; retryMs?: number } = {};
  for (const d of Status.decode(raw).details) {
    if (d.typeUrl.endsWith("google.rpc.ErrorInfo")) out.info = ErrorInfo.decode(d.value);
    if (d.typeUrl.endsWith("google.rpc.RetryInfo")) {
      const delay = RetryInfo.decode(d.value).retryDelay!;
      out.retryMs = delay.seconds * 1000 + delay.nanos / 1e6;
    }
  }
  return out;
}

/** The error a promise fails with (undefined when it succeeds). */
export async function failure(p: Promise<unknown>): Promise<ServiceError | undefined> {
  return p.then(() => undefined, (e: unknown) => e as ServiceError);
}
