/**
 * The grpc-js server interceptor that puts every call through Auth (src/auth/auth.ts) before its
 * handler sees it:
 * - on the request's metadata: the token (UNAUTHENTICATED), the right the method needs
 *   (PERMISSION_DENIED), the call quota (RESOURCE_EXHAUSTED with RetryInfo);
 * - on the request message: its rooms against the token's prefixes (PERMISSION_DENIED), the
 *   appended-bytes quota, the cap on Watch streams; the token's prefixes are recorded for ListRooms.
 * A denied call never reaches its handler. Health and reflection pass untouched.
 */
import {
  ResponderBuilder, ServerInterceptingCall, ServerListenerBuilder, status,
  type ServerInterceptingCallInterface, type ServerInterceptor, type ServerMethodDefinition,
} from "@grpc/grpc-js";
import { AppendMessagesRequest } from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import { UndecodedRequest } from "../server/decode.js";
import type { Auth, OpenStream } from "./auth.js";
import { Denial } from "./denial.js";
import { ALL_ROOMS, EXEMPT_SERVICES, METHODS_BY_PATH, type ServiceMethod } from "./rights.js";
import { setRequestScope } from "./scope.js";
import type { TokenEntry } from "./token-file.js";

const STATUS_NAME = new Map(Object.entries(status).map(([name, code]) => [code, name]));

export function authInterceptor(auth: Auth): ServerInterceptor {
  return (descriptor: ServerMethodDefinition<unknown, unknown>, call: ServerInterceptingCallInterface) => {
    if (EXEMPT_SERVICES.some((prefix) => descriptor.path.startsWith(prefix))) return new ServerInterceptingCall(call);
    return new GuardedCall(auth, descriptor.path, call).intercepting();
  };
}

/** One call's checks and what they learnt (its token, its rooms, its stream). */
class GuardedCall {
  private readonly method?: ServiceMethod;
  private entry?: TokenEntry;
  private rooms: readonly string[] = [];
  private stream?: OpenStream;
  private ended = false;

  constructor(private readonly auth: Auth, private readonly path: string, private readonly call: ServerInterceptingCallInterface) {
    this.method = METHODS_BY_PATH.get(path);
  }

  intercepting(): ServerInterceptingCall {
    const listener = new ServerListenerBuilder()
      .withOnReceiveMetadata((metadata, next) => {
        const denial = this.onMetadata(this.auth.authenticate(metadata, () => this.call.getAuthContext().sslPeerCertificate));
        if (denial) this.deny(denial);
        else next(metadata);
      })
      .withOnReceiveMessage((message, next) => {
        const denial = this.onMessage(message);
        if (denial) this.deny(denial);
        else next(message);
      })
      .withOnCancel(() => {
        // Called once however the call ends (status sent, client gone): the one place a stream is released.
        this.ended = true;
        if (this.stream) this.auth.closeStream(this.stream);
      })
      .build();
    const responder = new ResponderBuilder()
      .withStart((next) => next(listener))
      .withSendStatus((st, next) => {
        if (this.method?.rule.audited && this.entry) this.audit("admin", STATUS_NAME.get(st.code) ?? String(st.code));
        next(st);
      })
      .build();
    return new ServerInterceptingCall(this.call, responder);
  }

  private get rpc(): string {
    return this.method?.rpc ?? this.path;
  }

  private onMetadata(who: TokenEntry | Denial): Denial | undefined {
    if (who instanceof Denial) return who;
    this.entry = who;
    if (!this.method) {
      return new Denial("RIGHT_MISSING", `${this.path} is not open to tokens`, { method: this.path, token: who.name });
    }
    const rightDenied = this.auth.authorize(who, this.method.rule.right, [], this.rpc);
    if (rightDenied) return rightDenied;
    const wait = this.auth.quotas.of(who).calls?.take(1) ?? 0;
    return wait > 0 ? quotaDenial(who, "calls", wait) : undefined;
  }

  private onMessage(message: unknown): Denial | undefined {
    // A request that did not decode reaches its handler, which answers with the field at fault; it
    // names no room the handler would act on.
    if (message instanceof UndecodedRequest || !this.method || !this.entry) return undefined;
    const entry = this.entry;
    const rooms = this.method.rule.rooms(message as never);
    this.rooms = rooms === ALL_ROOMS ? [] : rooms;
    const denied = this.auth.authorize(entry, this.method.rule.right, rooms === ALL_ROOMS ? "all" : rooms, this.rpc);
    if (denied) return denied;
    const quota = this.auth.quotas.of(entry);
    if (this.method.name === "appendMessages" && quota.bytes) {
      const wait = quota.bytes.take(AppendMessagesRequest.encode(message as AppendMessagesRequest).finish().length);
      if (wait > 0) return quotaDenial(entry, "append_bytes", wait);
    }
    // A WatchRooms stream counts once, on its first message; its rooms are checked per add (rooms-stream.ts).
    if ((this.method.name === "watch" || this.method.name === "watchRooms") && !this.stream) {
      if (!this.auth.quotas.openStream(entry)) {
        return new Denial("QUOTA_EXCEEDED", `token ${entry.name} has ${quota.settings.watchStreams} watch streams open, its cap`,
          { quota: "watch_streams", limit: String(quota.settings.watchStreams), token: entry.name }, 1000);
      }
      const stream: OpenStream = { entry, countedAs: entry.name, rooms: this.rooms, end: (d) => this.deny(d) };
      const stale = this.auth.openStream(stream);
      if (stale) {
        this.auth.quotas.closeStream(entry.name);
        return stale;
      }
      this.stream = stream;
    }
    setRequestScope(message as object, entry.rooms);
    return undefined;
  }

  /** Ends the call with the denial's status (once) and writes its audit line. */
  private deny(denial: Denial): void {
    if (this.ended) return;
    this.ended = true;
    this.audit("denied", STATUS_NAME.get(denial.code)!, denial);
    this.call.sendStatus(denial.toStatus());
  }

  private audit(event: "denied" | "admin", outcome: string, denial?: Denial): void {
    this.auth.audit.write({
      event, outcome, token: this.entry?.name, method: this.rpc,
      room: denial?.metadata.room ?? this.rooms[0], reason: denial?.reason, peer: this.call.getPeer(),
    });
  }
}

function quotaDenial(entry: TokenEntry, quota: string, waitMs: number): Denial {
  return new Denial("QUOTA_EXCEEDED", `token ${entry.name} is over its ${quota.replace("_", " ")} quota; retry in ${Math.ceil(waitMs)} ms`,
    { quota, token: entry.name }, waitMs);
}
