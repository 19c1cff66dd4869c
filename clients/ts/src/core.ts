/**
 * ClientCore: what every RoomHistoryClient method rests on: the channel, the per-call deadline, the
 * unary call with cancellation, typed errors and retries of what is safe to repeat (src/backoff.ts).
 * The methods themselves live in layers above it (memory-bank.ts, transfer.ts, client.ts), so that no
 * file holds them all. TLS and the bearer token: src/auth.ts.
 */
import { status, type ChannelCredentials, type Metadata, type ClientOptions } from "@grpc/grpc-js";
import { callMetadata } from "./tracing.js";
import { channelTrust, type TlsOptions, type TokenProvider } from "./auth.js";
import * as pb from "./gen/roomhistory/v1/room_history_service.js";
import { backoffOptions, retryCall, retrySafe, type BackoffOptions } from "./backoff.js";
import { CancelledError, ClientClosedError, toRoomHistoryError } from "./errors.js";

/** The deadline of a call, retries included, unless told otherwise: 10000 ms (Python: 10.0 s). */
export const DEFAULT_TIMEOUT_MS = 10_000;

/** Settings of a RoomHistoryClient. */
export interface RoomHistoryClientOptions {
  /** timeoutMs is the default deadline of a call, retries included, in ms. Default 10000. */
  timeoutMs?: number;
  /** backoff tunes the waits between retries and reconnects. */
  backoff?: Partial<BackoffOptions>;
  /**
   * credentials for the channel, when `tls` is not enough (e.g. grpc-js credentials built elsewhere);
   * default plaintext, or TLS with `tls`. Not with `tls`.
   */
  credentials?: ChannelCredentials;
  /** tls opens the channel with TLS: the server's CA, and a client certificate for mTLS (src/auth.ts). */
  tls?: TlsOptions;
  /**
   * token is sent as `authorization: Bearer <token>` on every call and watch. Only over TLS, or to a
   * loopback address (the constructor throws a TypeError otherwise). Not with tokenProvider.
   */
  token?: string;
  /**
   * tokenProvider is called before every call and every watch (re)connect for the token to send, so a
   * token that rotates is picked up at once; it may return a promise. Same rules as `token`. A provider
   * that throws fails the attempt with UNAVAILABLE (a call that is safe to repeat is retried, asking again).
   */
  tokenProvider?: TokenProvider;
  /**
   * loadBalancing is the gRPC policy across the addresses the target resolves to: "round_robin" spreads
   * calls and watches over every replica (a target such as "dns:///roomhistory.internal:50051" or
   * "ipv4:10.0.0.1:50051,10.0.0.2:50051"); "pick_first", grpc's default, sends everything to the first
   * that answers. A "grpc.service_config" in channelOptions wins over it.
   */
  loadBalancing?: "round_robin" | "pick_first";
  /** channelOptions are passed to grpc-js as they are (e.g. "grpc.keepalive_time_ms"). */
  channelOptions?: Partial<ClientOptions>;
}

/** Per-call settings. */
export interface CallOptions {
  /** timeoutMs overrides the client's default deadline for this call. */
  timeoutMs?: number;
  /**
   * signal cancels the call: it then rejects with a CancelledError whose `cause` is the signal's reason
   * (`err instanceof CancelledError`, or `signal.aborted`, tells an abort from a failure).
   */
  signal?: AbortSignal;
}

/** A request with every field optional: what fromPartial completes. */
export type PartialRequest<T> = pb.DeepPartial<T>;

/** The unary RPCs, by the generated client's method names. */
export type UnaryMethod =
  | "appendMessages" | "getHistory" | "renderMessages" | "updateMessage" | "markDeleted" | "patchReactions"
  | "clearRoom" | "setRoomLimit" | "discardRebackfill" | "getRoomInfo" | "listRooms" | "deleteRoom"
  | "setRoomRetention" | "reapIdleRooms" | "setRoomRenderDefaults" | "reportUsage"
  | "setAgentOptions" | "pruneToolResults" | "compactHistory" | "compactPreservingStructure" | "getArchive"
  | "searchHistory" | "exportSummary" | "getRunCursor" | "updateRunCursor"
  | "updateRoomMetadata" | "setNamespaceOptions" | "getMemoryBank" | "listRoomsNeedingSummary"
  | "putConversationSummary" | "planRollup" | "commitRollup" | "renderMemoryBank";

type Callback<Res> = (err: Error | null, res: Res) => void;
type RawUnary<Req, Res> = (req: Req, md: Metadata, opts: { deadline: number }, cb: Callback<Res>) => { cancel(): void };

/** A gRPC service config choosing the load-balancing policy (grpc-js reads it from the channel option). */
function serviceConfig(policy: "round_robin" | "pick_first"): string {
  return JSON.stringify({ loadBalancingConfig: [{ [policy]: {} }] });
}

/** A window of up to 1000 messages of up to 1 MiB each is larger than gRPC's 4 MiB default. */
const MAX_MESSAGE_BYTES = 256 * 1024 * 1024;

/**
 * The channel and the unary call of a RoomHistoryClient (use RoomHistoryClient, never this class).
 */
export abstract class ClientCore {
  /** raw is the generated grpc-js client, for what this layer does not cover. */
  readonly raw: pb.RoomHistoryServiceClient;
  readonly backoff: BackoffOptions;
  protected readonly timeoutMs: number;
  protected closed = false;
  /** Streams in flight (ExportRooms, ImportRooms): ended by close(). */
  private readonly streams = new Set<() => void>();

  /** Opens a channel to `address` ("host:port"); it connects on the first call. */
  constructor(address: string, options: RoomHistoryClientOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.backoff = backoffOptions(options.backoff);
    const trust = channelTrust(address, options);
    this.raw = new pb.RoomHistoryServiceClient(address, trust.credentials, {
      // The channel's own reconnect backoff defaults to 1 s growing to 120 s: after a server restart
      // it would keep failing calls long after the server is back. Follow the client's policy instead.
      "grpc.initial_reconnect_backoff_ms": this.backoff.initialMs,
      "grpc.max_reconnect_backoff_ms": this.backoff.maxMs,
      "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
      "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
      ...trust.options,
      ...(options.loadBalancing && { "grpc.service_config": serviceConfig(options.loadBalancing) }),
      ...options.channelOptions,
    });
  }

  /** Marks the client closed, cancels the streams in flight and closes the channel. */
  protected closeChannel(): void {
    this.closed = true;
    for (const cancel of [...this.streams]) cancel();
    this.raw.close();
  }

  /** Registers a stream's cancel for close(); returns its removal. */
  protected trackStream(cancel: () => void): () => void {
    this.streams.add(cancel);
    return () => this.streams.delete(cancel);
  }

  /** The epoch-ms deadline of a call made now. */
  protected deadlineOf(opts: CallOptions): number {
    return Date.now() + (opts.timeoutMs ?? this.timeoutMs);
  }

  protected unary<Req extends object, Res>(method: UnaryMethod, req: Req, opts: CallOptions = {}): Promise<Res> {
    const deadline = this.deadlineOf(opts);
    const fn = this.raw[method].bind(this.raw) as unknown as RawUnary<Req, Res>;
    const { signal } = opts;
    const once = () =>
      new Promise<Res>((resolve, reject) => {
        if (this.closed) return reject(new ClientClosedError());
        if (signal?.aborted) return reject(aborted(signal));
        const call = fn(req, callMetadata(), { deadline }, (err, res) => {
          signal?.removeEventListener("abort", cancel);
          if (!err) resolve(res);
          else if (signal?.aborted) reject(aborted(signal));
          else if (this.closed) reject(new ClientClosedError("the client was closed during the call"));
          else reject(toRoomHistoryError(err));
        });
        const cancel = () => call.cancel();
        signal?.addEventListener("abort", cancel, { once: true });
      });
    const result = retrySafe(method, req) ? retryCall(once, this.backoff, deadline, signal) : once();
    // An abort during a wait between attempts ends the call as an abort too.
    return signal ? result.catch((err: Error) => Promise.reject(signal.aborted ? aborted(signal) : err)) : result;
  }
}

/** The error of a call its caller aborted: a CancelledError whose `cause` is the signal's reason. */
export function aborted(signal: AbortSignal): CancelledError {
  return new CancelledError(status.CANCELLED, "cancelled by the caller", undefined, { cause: signal.reason });
}
