/**
 * Trust settings of a client: the channel's TLS (server CA, optional client certificate for mTLS) and the
 * bearer token sent as `authorization: Bearer <token>` on every call, watches included. Built once, in
 * the client's constructor, as grpc-js credentials and channel options.
 */
import { readFileSync } from "node:fs";
import {
  credentials as grpcCredentials, InterceptingCall, Metadata, type CallCredentials, type ChannelCredentials,
  status, type ClientOptions, type Interceptor,
} from "@grpc/grpc-js";

/** PEM text, or its bytes as read from a file. */
export type Pem = string | Buffer;

/** TLS settings of a client's channel. */
export interface TlsOptions {
  /** ca is the PEM of the CA(s) the server's certificate must chain to; default the system's roots. */
  ca?: Pem;
  /** cert is the client's certificate chain (PEM), for a server that requires client certificates (mTLS). */
  cert?: Pem;
  /** key is the private key of `cert` (PEM). */
  key?: Pem;
  /**
   * serverName is the name the server's certificate must carry when it is not the address's host (e.g. a
   * test certificate for "localhost" reached at 127.0.0.1). Default: the address's host.
   */
  serverName?: string;
}

/** Where the token comes from: called before every call and every watch (re)connect. */
export type TokenProvider = () => string | Promise<string>;

/** The trust settings RoomHistoryClientOptions takes. */
export interface TrustOptions {
  credentials?: ChannelCredentials;
  tls?: TlsOptions;
  token?: string;
  tokenProvider?: TokenProvider;
}

/** What the channel is opened with. */
export interface ChannelTrust {
  credentials: ChannelCredentials;
  options: Partial<ClientOptions>;
}

const pem = (value: Pem | undefined): Buffer | null =>
  value === undefined ? null : Buffer.isBuffer(value) ? value : Buffer.from(value, "utf8");

/**
 * The channel credentials and options for `address`. A token over TLS rides on the channel's credentials;
 * over plaintext grpc-js would send it in the clear to anyone, so a token without TLS is accepted only
 * for a loopback address (127.0.0.0/8, ::1, localhost), where it never leaves the host.
 */
export function channelTrust(address: string, trust: TrustOptions): ChannelTrust {
  if (trust.token !== undefined && trust.tokenProvider) throw new TypeError("give token or tokenProvider, not both");
  if (trust.credentials && trust.tls) throw new TypeError("give credentials or tls, not both");
  const provider = trust.tokenProvider ?? (trust.token !== undefined ? constant(trust.token) : undefined);
  const { tls } = trust;
  const channel = trust.credentials
    ?? (tls ? grpcCredentials.createSsl(pem(tls.ca), pem(tls.key), pem(tls.cert)) : grpcCredentials.createInsecure());
  const options: Partial<ClientOptions> = {};
  if (tls?.serverName) {
    options["grpc.ssl_target_name_override"] = tls.serverName;
    options["grpc.default_authority"] = tls.serverName;
  }
  if (!provider) return { credentials: channel, options };
  const perCall = bearerCredentials(provider);
  if (channel._isSecure()) return { credentials: channel.compose(perCall), options };
  if (!isLoopback(address)) {
    throw new TypeError(
      `a token is sent only over TLS (tls or credentials) or to a loopback address; ${address} is neither`,
    );
  }
  return { credentials: channel, options: { ...options, interceptors: [withCallCredentials(perCall)] } };
}

function constant(token: string): TokenProvider {
  if (!token) throw new TypeError("token: empty");
  return () => token;
}

/**
 * Call credentials that ask `provider` for the token of each call. A provider that fails fails the attempt
 * with UNAVAILABLE, as grpc (Python) reports a failed metadata plugin: a call that is safe to repeat is
 * retried, asking the provider again.
 */
export function bearerCredentials(provider: TokenProvider): CallCredentials {
  return grpcCredentials.createFromMetadataGenerator((_params, callback) => {
    Promise.resolve()
      .then(provider)
      .then((token) => {
        const md = new Metadata();
        md.set("authorization", `Bearer ${token}`);
        callback(null, md);
      }, (err: unknown) => {
        const message = err instanceof Error ? err.message : String(err);
        callback(Object.assign(new Error(message), { code: status.UNAVAILABLE }));
      });
  });
}

/** An interceptor adding call credentials to every call (plaintext channels cannot carry them). */
function withCallCredentials(perCall: CallCredentials): Interceptor {
  return (options, nextCall) => new InterceptingCall(
    nextCall({ ...options, credentials: options.credentials ? options.credentials.compose(perCall) : perCall }),
  );
}

/**
 * Whether `address` ("host:port", "[::1]:port", optionally "dns:" or "ipv4:"/"ipv6:" prefixed) is loopback;
 * an "ipv4:"/"ipv6:" list of several addresses (for load balancing) is loopback when every one is.
 */
export function isLoopback(address: string): boolean {
  const target = address.replace(/^(dns:(\/\/[^/]*\/)?|ipv4:|ipv6:)/, "");
  return target.split(",").every((one) => {
    const host = one.startsWith("[") ? one.slice(1, one.indexOf("]")) : one.replace(/:\d+$/, "");
    return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
  });
}

/** The environment variables trustFromEnv reads that name PEM files, and the TlsOptions key each fills. */
const PEM_FILES = { ROOMHISTORY_CA_FILE: "ca", ROOMHISTORY_CLIENT_CERT_FILE: "cert", ROOMHISTORY_CLIENT_KEY_FILE: "key" } as const;

/**
 * The client's trust options from the environment (process.env by default), for
 * `new RoomHistoryClient(address, { ...trustFromEnv() })`: ROOMHISTORY_CA_FILE, ROOMHISTORY_CLIENT_CERT_FILE
 * and ROOMHISTORY_CLIENT_KEY_FILE name PEM files (read here), ROOMHISTORY_TLS_SERVER_NAME and
 * ROOMHISTORY_TOKEN are taken as they are, and ROOMHISTORY_TLS=true asks for TLS with the system's roots
 * when no PEM file is given. Unset or empty variables are left out; Python's trust_from_env reads the same.
 */
export function trustFromEnv(env: Record<string, string | undefined> = process.env): Pick<TrustOptions, "tls" | "token"> {
  const tls: TlsOptions = {};
  for (const [name, key] of Object.entries(PEM_FILES)) {
    const path = env[name];
    if (path) tls[key] = readFileSync(path);
  }
  if (env.ROOMHISTORY_TLS_SERVER_NAME) tls.serverName = env.ROOMHISTORY_TLS_SERVER_NAME;
  const pems = tls.ca !== undefined || tls.cert !== undefined || tls.key !== undefined;
  const wantTls = pems || env.ROOMHISTORY_TLS?.toLowerCase() === "true";
  return { ...(wantTls ? { tls } : {}), ...(env.ROOMHISTORY_TOKEN ? { token: env.ROOMHISTORY_TOKEN } : {}) };
}
