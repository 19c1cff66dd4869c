import { readFileSync } from "node:fs";
import { createSecureContext } from "node:tls";
import { X509Certificate } from "node:crypto";
import { experimental, type ServerCredentials } from "@grpc/grpc-js";
import type { Logger } from "pino";
import { DEFAULT_TLS_RELOAD_INTERVAL_MS } from "../defaults.js";

type CaListener = experimental.CaCertificateUpdateListener;
type IdentityListener = experimental.IdentityCertificateUpdateListener;

/** The server's PEM files (ROOMHISTORY_TLS_CERT, _KEY, _CLIENT_CA). */
export interface TlsFiles {
  certFile: string;
  keyFile: string;
  /** Client certificates are required and verified against this CA bundle when set (mTLS). */
  clientCaFile?: string;
}

interface Loaded {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
}

/**
 * A grpc-js certificate provider over the PEM files that checks before it swaps. grpc-js' own
 * FileWatcherCertificateProvider hands whatever it read to the server, and a server given a key that
 * does not match its certificate (a rotation caught half-written) drops every new connection until
 * the next good read; it also has no way to reload now (SIGHUP). This one loads the files at start
 * (a bad file refuses to start), then on every poll or reload() passes on only a set that forms a
 * valid TLS context, and keeps serving the previous one otherwise. Connections already open keep the
 * context they were accepted with, so open watches and in-flight calls are never cut by a reload.
 */
export class CertificateFiles implements experimental.CertificateProvider {
  private current: Loaded;
  private readonly caListeners = new Set<CaListener>();
  private readonly identityListeners = new Set<IdentityListener>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly files: TlsFiles, private readonly logger: Logger,
    intervalMs = DEFAULT_TLS_RELOAD_INTERVAL_MS) {
    this.current = load(files);
    logger.info(describe(files, this.current), "TLS certificate loaded");
    this.timer = setInterval(() => this.reload(), intervalMs);
    this.timer.unref();
  }

  /** Reads the files again; passes a changed, valid set on to the server. True when it changed. */
  reload(): boolean {
    let next: Loaded;
    try {
      next = load(this.files);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, "TLS certificate files not reloaded: still serving the previous certificate");
      return false;
    }
    if (same(next, this.current)) return false;
    this.current = next;
    this.logger.info(describe(this.files, next), "TLS certificate reloaded: new connections get it, open ones keep theirs");
    for (const listener of this.identityListeners) listener({ certificate: next.cert, privateKey: next.key });
    if (next.ca) for (const listener of this.caListeners) listener({ caCertificate: next.ca });
    return true;
  }

  close(): void {
    clearInterval(this.timer);
  }

  // grpc-js adds its listener before it registers the server's own watcher, so the first update must
  // arrive on a later tick, as the library's providers do.
  addCaCertificateListener(listener: CaListener): void {
    this.caListeners.add(listener);
    const ca = this.current.ca;
    if (ca) process.nextTick(() => listener({ caCertificate: ca }));
  }

  removeCaCertificateListener(listener: CaListener): void {
    this.caListeners.delete(listener);
  }

  addIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.add(listener);
    const { cert, key } = this.current;
    process.nextTick(() => listener({ certificate: cert, privateKey: key }));
  }

  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.delete(listener);
  }
}

/** Server credentials that follow the files, and the provider to reload or close. */
export interface ServerTls {
  credentials: ServerCredentials;
  certificates: CertificateFiles;
}

export function serverTls(files: TlsFiles, logger: Logger, reloadIntervalMs?: number): ServerTls {
  const certificates = new CertificateFiles(files, logger, reloadIntervalMs);
  const mtls = files.clientCaFile !== undefined;
  // Identity first, then the CA provider (null: no client certificates asked for), then whether a
  // client without a valid certificate is refused in the handshake.
  const credentials = experimental.createCertificateProviderServerCredentials(
    certificates, mtls ? certificates : null, mtls);
  return { credentials, certificates };
}

/** Reads the PEM files and proves they form a TLS context (the key matches the certificate). */
function load(files: TlsFiles): Loaded {
  const read = (path: string, what: string) => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new Error(`${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
    }
  };
  const loaded: Loaded = {
    cert: read(files.certFile, "ROOMHISTORY_TLS_CERT"),
    key: read(files.keyFile, "ROOMHISTORY_TLS_KEY"),
    ca: files.clientCaFile === undefined ? undefined : read(files.clientCaFile, "ROOMHISTORY_TLS_CLIENT_CA"),
  };
  try {
    new X509Certificate(loaded.cert);
    createSecureContext({ cert: loaded.cert, key: loaded.key, ca: loaded.ca });
  } catch (err) {
    throw new Error(`TLS files ${files.certFile} and ${files.keyFile}${files.clientCaFile ? ` (client CA ${files.clientCaFile})` : ""} `
      + `do not form a TLS context: ${(err as Error).message}`, { cause: err });
  }
  return loaded;
}

function same(a: Loaded, b: Loaded): boolean {
  return a.cert.equals(b.cert) && a.key.equals(b.key) && (a.ca === undefined ? b.ca === undefined : b.ca !== undefined && a.ca.equals(b.ca));
}

/** What a log line says of a certificate: never the key. */
function describe(files: TlsFiles, loaded: Loaded) {
  const x = new X509Certificate(loaded.cert);
  return { cert: files.certFile, subject: x.subject.replace(/\n/g, ", "), validTo: x.validTo, mtls: files.clientCaFile !== undefined };
}
